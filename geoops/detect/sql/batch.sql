-- The pass's new fire hotspots, with their search box, in an indexed temporary table:
-- stored hotspots carry only cheap BRIN indexes, so the batch brings its own GiST.
-- A box that crosses ±180° is also kept shifted by 360° (Chukotka spans the antimeridian).
CREATE TEMP TABLE detect_batch ON COMMIT DROP AS
SELECT r.*,
       CASE WHEN ST_XMax(r.reach) > 180 THEN ST_Translate(r.reach, -360, 0)
            WHEN ST_XMin(r.reach) < -180 THEN ST_Translate(r.reach, 360, 0) END AS wrapped
FROM (
    SELECT h.id, h.footprint, h.observed_at,
           ST_Expand(h.footprint,
                     :distance_m / (111320.0 * greatest(cos(radians(h.latitude::float8)), 0.01)),
                     :distance_m / 110574.0) AS reach
    FROM hotspots AS h
    WHERE h.id = ANY(:ids)
) AS r;
CREATE INDEX ON detect_batch USING gist (footprint);
ANALYZE detect_batch
