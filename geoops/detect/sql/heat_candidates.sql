-- Learned persistence: an incident seen on :min_days distinct UTC days whose hotspot points
-- all lie within :max_extent_m of one another, or within :extent_pixels of its widest
-- pixel (scan or track, counted at most :max_pixel_m) where that is more, never spread, so
-- it is proposed as a heat source. The days and the box of its points are kept on the
-- incident row by every pass, so only an incident passing those tests with the widest
-- extent any pixel allows (:widest_extent_m) has its points read and projected. A fixed
-- source also lies in the pixel of most of its detections, a fire that barely moves in few
-- of them: at least :min_centred of its pixels must cover the points' centre (a pixel is
-- scan x track km about its point, as its footprint: tested in the same local metres).
-- An incident is tested only when it gained a UTC day (:new_day) or has a candidate
-- already (whose figures follow): reading every point of every small fire at
-- every overpass cost a late pass ~50 ms.
-- Distances are measured in metres east and north of the points' centroid, scaled by the
-- WGS84 metres per degree at its latitude (within a metre of the geodesic over the
-- kilometre a candidate spans); a spot across ±180° is shifted to 0..360 first.
-- A spot is not proposed again while a pending or rejected candidate of another incident
-- lies within either radius; an incident's own candidate only has its figures refreshed
-- (its place and radius too while it still awaits a decision).
WITH quiet AS MATERIALIZED (
    SELECT i.id
    FROM incidents AS i
    WHERE i.id = ANY(CAST(:ids AS bigint[]))
      AND i.merged_into_id IS NULL
      AND i.status <> 'dismissed'
      AND cardinality(i.hotspot_days) >= :min_days
      AND (i.id = ANY(CAST(:new_day AS bigint[]))
           OR EXISTS (SELECT 1 FROM heat_source_candidates AS c WHERE c.incident_id = i.id))
      -- the points' spans, 1 % short for the geodesic: north-south, and east-west on the
      -- parallel nearest a pole (the shortest there is; the other way round across ±180°)
      AND (ST_YMax(i.spots_box) - ST_YMin(i.spots_box)) * 110574.0 <= 1.01 * :widest_extent_m
      AND least(ST_XMax(i.spots_box) - ST_XMin(i.spots_box), 360.0 - (ST_XMax(i.spots_box) - ST_XMin(i.spots_box)))
          * 111319.0 * cos(radians(least(90.0, greatest(abs(ST_YMax(i.spots_box)), abs(ST_YMin(i.spots_box))))))
          <= 1.01 * :widest_extent_m
), seen AS MATERIALIZED (
    -- each quiet incident's evidence through its index (a join let the planner, expecting
    -- a few quiet incidents, hash the whole evidence table: a cost that grows with it)
    SELECT q.id AS incident_id, s.*
    FROM quiet AS q
    CROSS JOIN LATERAL (
        SELECT count(*) AS detections,
               count(DISTINCT (h.observed_at AT TIME ZONE 'UTC')::date) AS days,
               min(h.observed_at) AS first_seen,
               max(h.observed_at) AS last_seen,
               -- scan and track are in km; a pixel of unknown size allows :max_extent_m alone
               greatest(:max_extent_m, :extent_pixels * least(:max_pixel_m, 1000.0 * coalesce(
                   max(greatest(h.scan, h.track)), 0.0))) AS extent_m,
               -- in evidence order, so the centroid's last digits do not depend on the plan
               ST_Collect(h.geom ORDER BY e.id) AS points,
               array_agg(h.scan ORDER BY e.id) AS scans,
               array_agg(h.track ORDER BY e.id) AS tracks
        FROM incident_evidence AS e
        JOIN hotspots AS h ON h.id = e.hotspot_id
        WHERE e.incident_id = q.id AND e.kind = 'hotspot'
    ) AS s
    WHERE s.detections > 0
), unwrapped AS (
    SELECT s.*, CASE WHEN ST_XMax(s.points) - ST_XMin(s.points) > 180
                     THEN ST_ShiftLongitude(s.points) ELSE s.points END AS pts
    FROM seen AS s
), centred AS (
    SELECT u.*, ST_Centroid(u.pts) AS centre FROM unwrapped AS u
), scaled AS (
    -- metres per degree of longitude and of latitude on WGS84 at the centre's latitude
    SELECT c.*, 111412.84 * cos(radians(ST_Y(c.centre))) - 93.5 * cos(3 * radians(ST_Y(c.centre))) AS kx,
           111132.954 - 559.822 * cos(2 * radians(ST_Y(c.centre))) + 1.175 * cos(4 * radians(ST_Y(c.centre))) AS ky
    FROM centred AS c
), local AS MATERIALIZED (
    -- metres from the centre, east and north: over the kilometre a candidate spans, within a
    -- metre of the geodesic (an azimuthal projection per incident cost 0.4 ms to build)
    SELECT c.*, ST_SetSRID(ST_Affine(c.pts, c.kx, 0, 0, c.ky, -c.kx * ST_X(c.centre), -c.ky * ST_Y(c.centre)), 0)
               AS metres
    FROM scaled AS c
), qualified AS MATERIALIZED (
    SELECT l.incident_id, l.days, l.detections, l.first_seen, l.last_seen,
           ST_WrapX(l.centre, 180, -360) AS geom,
           greatest(:min_radius_m, ST_MaxDistance(ST_MakePoint(0, 0), l.metres)
                                   + :pixel_margin_m) AS radius_m
    FROM local AS l
    WHERE ST_MaxDistance(l.metres, l.metres) <= l.extent_m
      AND (SELECT count(*)
           FROM ST_DumpPoints(l.metres) AS d
           JOIN unnest(l.scans, l.tracks) WITH ORDINALITY AS k(scan, track, n) ON k.n = d.path[1]
           WHERE abs(ST_X(d.geom)) <= 500.0 * k.scan AND abs(ST_Y(d.geom)) <= 500.0 * k.track)
          >= :min_centred * l.detections
), refreshed AS (
    UPDATE heat_source_candidates AS c
    SET days = q.days,
        detections = q.detections,
        first_seen_at = q.first_seen,
        last_seen_at = q.last_seen,
        geom = CASE WHEN c.status = 'candidate' THEN q.geom ELSE c.geom END,
        radius_m = CASE WHEN c.status = 'candidate' THEN q.radius_m ELSE c.radius_m END,
        updated_at = now()
    FROM qualified AS q
    WHERE c.incident_id = q.incident_id
    RETURNING c.incident_id
)
INSERT INTO heat_source_candidates AS c
    (incident_id, geom, radius_m, days, detections, first_seen_at, last_seen_at)
SELECT q.incident_id, q.geom, q.radius_m, q.days, q.detections, q.first_seen, q.last_seen
FROM qualified AS q
WHERE q.incident_id NOT IN (SELECT r.incident_id FROM refreshed AS r)
  AND NOT EXISTS (
      SELECT 1 FROM heat_source_candidates AS o
      WHERE o.status <> 'accepted'
        AND o.geom && ST_Expand(q.geom, :reach_m / (111320.0 * greatest(cos(radians(ST_Y(q.geom))), 0.01)),
                                :reach_m / 110574.0)
        AND ST_DWithin(o.geom::geography, q.geom::geography, greatest(o.radius_m, q.radius_m))
  )
ORDER BY q.incident_id
ON CONFLICT ON CONSTRAINT heat_source_candidates_incident DO NOTHING
RETURNING c.id, c.incident_id, c.days, c.detections, ST_X(c.geom) AS longitude, ST_Y(c.geom) AS latitude
