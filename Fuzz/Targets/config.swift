// fuzz-modules: TripCore
// fuzz-max-len: 2048
import Foundation
import TripCore

// The configuration loader on arbitrary bytes: a configuration or a ConfigError with a message, never a crash;
// only strict JSON is accepted (RFC 8259: a trailing comma is an error, not a configuration); and a loaded
// configuration printed as `tripstream config` prints it (canonicalJSON) loads again to the same one.
// Input: the configuration file.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let config: TripstreamConfig
    do {
        config = try TripstreamConfig.load(json: Data(bytes))
    } catch let error as ConfigError {
        // The key may be empty: a file can have a key "" (its message then reads "invalid configuration: : …").
        require(!error.message.isEmpty, "a configuration error without a message")
        return 0
    } catch {
        require(false, "load threw \(type(of: error)), not a ConfigError: \(error)")
        return 0
    }
    require(StrictJSON.isValid(bytes), "accepted a file that is not strict JSON: \(visible(bytes))")
    let printed = config.canonicalJSON
    do {
        let again = try TripstreamConfig.load(json: Data(printed.utf8))
        require(again == config, "\(visible(bytes)) loaded as \(config); printed and loaded again: \(again)")
        require(again.canonicalJSON == printed, "printing is not stable: \(printed) vs \(again.canonicalJSON)")
    } catch {
        require(false, "the printed configuration does not load: \(error)\n\(printed)")
    }
    return 0
}
