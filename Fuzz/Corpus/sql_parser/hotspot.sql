SELECT window_start, window_end, pickup_centroid_location, COUNT(*) AS count
FROM HOP(trips, trip_end_timestamp, INTERVAL '30' SECOND, INTERVAL '1' MINUTE)
WHERE pickup_centroid_location IS NOT NULL
GROUP BY window_start, window_end, pickup_centroid_location
