-- Claim the reports and sensor alarms no pass has seen yet and mark them seen (two
-- statements). A report counts as fire evidence when its category is one of
-- :fire_categories and nobody has dismissed it, the others are only marked seen. Each row
-- has the claimed hotspots' columns (detect/claims.py reads them alike): its point as lon,
-- lat and as a box of no size, no FRP and no confidence.
UPDATE reports AS r
SET detected_at = now()
FROM (
    SELECT n.id FROM reports AS n WHERE n.detected_at IS NULL ORDER BY n.id LIMIT :limit FOR UPDATE
) AS n
WHERE r.id = n.id
RETURNING r.id, (r.category = ANY(:fire_categories) AND r.status <> 'dismissed') AS fire,
          extract(epoch FROM r.reported_at)::float8 AS epoch, extract(epoch FROM r.received_at)::float8 AS ingested,
          ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat, ST_X(r.geom) AS x0, ST_Y(r.geom) AS y0,
          ST_X(r.geom) AS x1, ST_Y(r.geom) AS y1, NULL::float8 AS frp, NULL::float8 AS confidence;
UPDATE sensor_alarms AS a
SET detected_at = now()
FROM (
    SELECT n.id FROM sensor_alarms AS n WHERE n.detected_at IS NULL ORDER BY n.id LIMIT :limit FOR UPDATE
) AS n
WHERE a.id = n.id
RETURNING a.id, true AS fire, extract(epoch FROM a.observed_at)::float8 AS epoch,
          extract(epoch FROM a.created_at)::float8 AS ingested,
          ST_X(a.geom) AS lon, ST_Y(a.geom) AS lat, ST_X(a.geom) AS x0, ST_Y(a.geom) AS y0,
          ST_X(a.geom) AS x1, ST_Y(a.geom) AS y1, NULL::float8 AS frp, NULL::float8 AS confidence
