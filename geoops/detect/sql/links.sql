-- Which new hotspots belong together, and which join an active incident.
-- Two footprints link when they lie within :distance_m of each other (geodesic); the &&
-- prefilter on the expanded box lets a GiST index do the searching.
-- kind 'h': new hotspot a ~ new hotspot b (from detect_batch), close in time as well;
-- kind 'i': new hotspot a ~ incident b active at a's time. An incident's perimeter is the
-- union of its footprints, so the distance to it is the distance to its nearest hotspot.
SELECT n.id AS a, 'h' AS kind, o.id AS b
FROM detect_batch AS n
JOIN detect_batch AS o
  ON (o.footprint && n.reach OR o.footprint && n.wrapped)
 AND o.id > n.id
 AND abs(extract(epoch FROM o.observed_at - n.observed_at)) <= :window_s
 AND ST_DWithin(o.footprint::geography, n.footprint::geography, :distance_m)
UNION ALL
SELECT n.id AS a, 'i' AS kind, i.id AS b
FROM detect_batch AS n
JOIN incidents AS i
  ON (i.geom && n.reach OR i.geom && n.wrapped)
 AND i.merged_into_id IS NULL
 AND i.status NOT IN ('extinguished', 'dismissed')
 AND i.last_observed_at >= n.observed_at - make_interval(secs => :inactive_s)
 AND ST_DWithin(i.geom::geography, n.footprint::geography, :distance_m)
