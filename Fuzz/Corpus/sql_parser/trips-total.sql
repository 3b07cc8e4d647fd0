SELECT DATE(window_start) AS day, COUNT(*) AS trips_total, SUM(fare) AS fare_total,
       ROUND(AVG(tips), 2) AS tips_avg, ROUND(AVG(trip_total), 2) AS trip_total_avg
FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' DAY)
GROUP BY DATE(window_start)
