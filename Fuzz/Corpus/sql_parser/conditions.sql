select window_start, window_end, payment_type, min(trip_seconds), count(tolls) -- comment
from tumble(trips, kafka_timestamp, interval '90' seconds)
where not (fare >= 10.5 or tips <> -2) and company in ('Flash Cab', 'it''s')
  and pickup_community_area not in (8, 32) and dropoff_centroid_longitude < -87.6 and taxi_id is null
group by window_end, window_start, payment_type;
