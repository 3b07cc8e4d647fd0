SELECT window_start, window_end, company,
       COUNT(*) AS trips, SUM(fare) AS fare, ROUND(AVG(trip_miles), 2) AS avg_miles, MAX(tips) AS max_tips
FROM HOP(trips, trip_start_timestamp, INTERVAL '15' MINUTE, INTERVAL '1' HOUR)
WHERE trip_miles > 0 AND company IS NOT NULL
GROUP BY window_start, window_end, company
