-- Which new evidence belongs together, and which joins an active incident; each row is
-- one edge (a_kind, a, b_kind, b) of the link graph, b_kind 'i' for an incident.
-- Hotspots link to hotspots within :distance_m and :window_s; anything involving a report
-- or a sensor alarm within :fusion_m and :fusion_window_s (such pairs are found from the
-- ground item's wider box). Distances are on the sphere (within 0.5 % of the
-- spheroid at these ranges, and several times cheaper); the && prefilter on the boxes lets
-- the GiST indexes do the searching. An incident's perimeter is the union of its
-- footprints, so the distance to it is the distance to its nearest footprint.
WITH near AS MATERIALIZED (
    -- each new item and the incidents whose evidence shapes it lies near (a hotspot measures
    -- to footprints, ground evidence to any shape), found through the GiST on the shapes
    SELECT DISTINCT n.kind, n.id, n.observed_at, s.incident_id
    FROM detect_batch AS n
    JOIN incident_shapes AS s
      ON (s.geom && n.reach OR s.geom && n.wrapped)
     AND (n.kind <> 'h' OR s.kind = 'h')
     AND ST_DWithin(s.geom::geography, n.shape::geography,
                    CASE WHEN n.kind = 'h' THEN :distance_m ELSE :fusion_m END, false)
)
SELECT n.kind AS a_kind, n.id AS a, o.kind AS b_kind, o.id AS b
FROM detect_batch AS n
JOIN detect_batch AS o
  ON (o.shape && n.reach OR o.shape && n.wrapped)
 AND (n.kind <> o.kind OR o.id > n.id)
 AND NOT (n.kind = 'h' AND o.kind <> 'h')
 AND abs(extract(epoch FROM o.observed_at - n.observed_at))
     <= CASE WHEN n.kind = 'h' AND o.kind = 'h' THEN :window_s ELSE :fusion_window_s END
 AND ST_DWithin(o.shape::geography, n.shape::geography,
                CASE WHEN n.kind = 'h' AND o.kind = 'h' THEN :distance_m ELSE :fusion_m END, false)
UNION ALL
-- new evidence ~ an incident still active at its time (ground evidence may also come up to
-- :fusion_window_s before the incident's first evidence); one primary-key look-up each
SELECT near.kind, near.id, 'i', i.id
FROM near
CROSS JOIN LATERAL (
    SELECT i.id FROM incidents AS i
    WHERE i.id = near.incident_id
      AND i.merged_into_id IS NULL
      AND i.status NOT IN ('extinguished', 'dismissed')
      AND i.last_observed_at >= near.observed_at - make_interval(secs => :inactive_s)
      AND (near.kind = 'h' OR i.first_observed_at <= near.observed_at + make_interval(secs => :fusion_window_s))
    LIMIT 1
) AS i
UNION ALL
-- new hotspot ~ an incident only a report or a sensor speaks for (a point): within
-- :fusion_m and :fusion_window_s of it; searched from the few such incidents' side
SELECT n.kind, n.id, 'i', g.id
FROM (
    SELECT i.id, i.geom, i.first_observed_at, i.last_observed_at,
           ST_Expand(i.geom, :fusion_m / (111320.0 * greatest(cos(radians(ST_Y(i.geom))), 0.01)),
                     :fusion_m / 110574.0) AS reach
    FROM incidents AS i
    WHERE i.hotspot_count = 0
      AND ST_GeometryType(i.geom) = 'ST_Point'
      AND i.merged_into_id IS NULL
      AND i.status NOT IN ('extinguished', 'dismissed')
      AND i.last_observed_at >= (SELECT min(observed_at) FROM detect_batch) - make_interval(secs => :fusion_window_s)
) AS g
JOIN detect_batch AS n
  ON n.kind = 'h'
 AND n.shape && g.reach
 AND n.observed_at BETWEEN g.first_observed_at - make_interval(secs => :fusion_window_s)
                       AND g.last_observed_at + make_interval(secs => :fusion_window_s)
 AND ST_DWithin(g.geom::geography, n.shape::geography, :fusion_m, false)
