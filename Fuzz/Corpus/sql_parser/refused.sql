SELECT window_start, window_end, SUM(fares) FROM TUMBLE(trips, ingest_time, INTERVAL '1' HOUR)
GROUP BY window_start, window_end ORDER BY 1
