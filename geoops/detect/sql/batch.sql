-- The pass's new evidence in an indexed temporary table: fire hotspots ('h', the pixel
-- footprint), reports ('r') and sensor alarms ('a', both points), each with the box it
-- searches. Hotspots reach :distance_m, ground evidence :fusion_m. Stored hotspots carry
-- only cheap BRIN indexes, so the batch brings its own GiST. A box that crosses ±180° is
-- also kept shifted by 360° (Chukotka spans the antimeridian).
CREATE TEMP TABLE detect_batch ON COMMIT DROP AS
SELECT r.kind, r.id, r.shape, r.observed_at, r.reach,
       CASE WHEN ST_XMax(r.reach) > 180 THEN ST_Translate(r.reach, -360, 0)
            WHEN ST_XMin(r.reach) < -180 THEN ST_Translate(r.reach, 360, 0) END AS wrapped
FROM (
    SELECT e.kind, e.id, e.shape, e.observed_at,
           ST_Expand(e.shape,
                     e.reach_m / (111320.0 * greatest(cos(radians(ST_Y(ST_Centroid(e.shape)))), 0.01)),
                     e.reach_m / 110574.0) AS reach
    FROM (
        SELECT 'h'::text AS kind, h.id, h.footprint AS shape, h.observed_at,
               CAST(:distance_m AS float8) AS reach_m
        FROM hotspots AS h WHERE h.id = ANY(:hotspot_ids)
        UNION ALL
        SELECT 'r', r.id, r.geom, r.reported_at, :fusion_m FROM reports AS r WHERE r.id = ANY(:report_ids)
        UNION ALL
        SELECT 'a', a.id, a.geom, a.observed_at, :fusion_m FROM sensor_alarms AS a WHERE a.id = ANY(:alarm_ids)
    ) AS e
) AS r;
CREATE INDEX ON detect_batch USING gist (shape);
ANALYZE detect_batch
