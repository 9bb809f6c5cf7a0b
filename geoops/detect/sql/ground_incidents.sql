-- The incidents only ground evidence speaks for (a point, the middle of its reports and
-- alarms) that a hotspot of this pass may fuse with: not merged, not closed, last observed
-- no earlier than the fusion window before the pass's earliest hotspot (:since). Few rows:
-- detect/incident_links.py measures to them in memory.
SELECT i.id, ST_X(i.geom) AS x, ST_Y(i.geom) AS y,
       extract(epoch FROM i.first_observed_at)::float8 AS first_seen,
       extract(epoch FROM i.last_observed_at)::float8 AS last_seen
FROM incidents AS i
WHERE i.last_observed_at >= to_timestamp(:since)
  AND i.hotspot_count = 0
  AND ST_GeometryType(i.geom) = 'ST_Point'
  AND i.merged_into_id IS NULL
  AND i.status <> ALL(:closed)
