-- Which new hotspots belong together, and which join an active incident.
-- Two footprints link when they lie within :distance_m of each other (geodesic); the &&
-- prefilter on an expanded box lets the GiST index on footprint do the searching.
-- A reach that crosses ±180° is also tried shifted by 360° (Chukotka spans the antimeridian).
-- kind 'h': new hotspot a ~ new hotspot b, close in time as well;
-- kind 'i': new hotspot a ~ incident b that was active at a's time.
WITH reach AS (
    SELECT h.id, h.footprint, h.observed_at,
           ST_Expand(h.footprint,
                     :distance_m / (111320.0 * greatest(cos(radians(h.latitude::float8)), 0.01)),
                     :distance_m / 110574.0) AS reach
    FROM hotspots AS h
    WHERE h.id = ANY(:ids)
), new AS (
    SELECT r.*,
           CASE WHEN ST_XMax(r.reach) > 180 THEN ST_Translate(r.reach, -360, 0)
                WHEN ST_XMin(r.reach) < -180 THEN ST_Translate(r.reach, 360, 0) END AS wrapped
    FROM reach AS r
)
SELECT n.id AS a, 'h' AS kind, o.id AS b
FROM new AS n
JOIN hotspots AS o
  ON (o.footprint && n.reach OR o.footprint && n.wrapped)
 AND o.id = ANY(:ids) AND o.id > n.id
 AND abs(extract(epoch FROM o.observed_at - n.observed_at)) <= :window_s
 AND ST_DWithin(o.footprint::geography, n.footprint::geography, :distance_m)
UNION
SELECT n.id AS a, 'i' AS kind, coalesce(i.merged_into_id, i.id) AS b
FROM new AS n
JOIN hotspots AS o
  ON (o.footprint && n.reach OR o.footprint && n.wrapped)
 AND o.detected_at IS NOT NULL
 AND ST_DWithin(o.footprint::geography, n.footprint::geography, :distance_m)
JOIN incident_evidence AS e ON e.hotspot_id = o.id
JOIN incidents AS i
  ON i.id = e.incident_id
 AND i.merged_into_id IS NULL
 AND i.status NOT IN ('extinguished', 'dismissed')
 AND i.last_observed_at >= n.observed_at - make_interval(secs => :inactive_s)
