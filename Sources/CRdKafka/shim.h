#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

// rd_kafka_producev is variadic (Swift cannot call it): one fixed-signature wrapper for what we send.
// The payload and key are copied (RD_KAFKA_MSG_F_COPY); `opaque` comes back in the delivery report.
// The topic is a handle (rd_kafka_topic_new), so librdkafka does not look it up by name per message.
static inline rd_kafka_resp_err_t tripstream_produce(rd_kafka_t *rk, rd_kafka_topic_t *rkt, int32_t partition,
                                                     const void *key, size_t key_len,
                                                     const void *value, size_t value_len,
                                                     int64_t timestamp_ms, void *opaque) {
    return rd_kafka_producev(rk,
                             RD_KAFKA_V_RKT(rkt),
                             RD_KAFKA_V_PARTITION(partition),
                             RD_KAFKA_V_KEY(key, key_len),
                             RD_KAFKA_V_VALUE((void *)value, value_len),
                             RD_KAFKA_V_TIMESTAMP(timestamp_ms),
                             RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                             RD_KAFKA_V_OPAQUE(opaque),
                             RD_KAFKA_V_END);
}
