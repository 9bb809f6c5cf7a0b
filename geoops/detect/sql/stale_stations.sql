-- Active stations without a reading for :after (a station never heard from counts from
-- its registration) become stale; a new reading makes them active again (geoops.store).
UPDATE stations
SET status = 'stale'
WHERE status = 'active' AND coalesce(last_seen_at, created_at) < now() - CAST(:after AS interval)
RETURNING id, last_seen_at
