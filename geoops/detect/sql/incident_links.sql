-- Which new evidence joins an active incident: each result is one edge (the item's number
-- in the batch, incident id) of the link graph. The batch comes as arrays, one row per item (twice for an
-- item whose search area crosses ±180°, shifted by 360°): its shape's box and how to
-- measure at its latitude: x scaled by :kx makes degrees of
-- longitude as long as degrees of latitude there, and :reach_deg / :fusion_deg are its
-- reach and the fusion distance in degrees of latitude. Over a few kilometres that planar
-- measure is within a few metres of the geodesic one, and many times cheaper.
-- A hotspot measures to the incidents' perimeter pieces ('p' a whole perimeter cut by
-- ST_Subdivide, 'n' the pieces added since: an index probe finds a few small polygons),
-- ground evidence to any shape (also the 'g' points of reports and alarms).
WITH batch AS MATERIALIZED (
    SELECT b.*,
           -- the box it searches: :reach_deg of latitude north and south, as far east and west
           ST_Expand(b.shape, b.reach_deg / b.kx, b.reach_deg) AS reach,
           ST_Scale(b.shape, b.kx, 1) AS scaled
    FROM (
        SELECT b.kind, b.item, to_timestamp(b.t) AS observed_at, b.kx, b.reach_deg, b.fusion_deg,
               CASE WHEN b.x0 = b.x1 AND b.y0 = b.y1 THEN ST_SetSRID(ST_MakePoint(b.x0, b.y0), 4326)
                    ELSE ST_MakeEnvelope(b.x0, b.y0, b.x1, b.y1, 4326) END AS shape
        FROM unnest(CAST(:kinds AS text[]), CAST(:items AS bigint[]), CAST(:t AS float8[]),
                    CAST(:x0 AS float8[]), CAST(:y0 AS float8[]), CAST(:x1 AS float8[]), CAST(:y1 AS float8[]),
                    CAST(:kx AS float8[]), CAST(:reach_deg AS float8[]), CAST(:fusion_deg AS float8[]))
             AS b(kind, item, t, x0, y0, x1, y1, kx, reach_deg, fusion_deg)
    ) AS b
), near AS MATERIALIZED (
    SELECT DISTINCT n.kind, n.item, n.observed_at, s.incident_id
    FROM batch AS n
    JOIN incident_shapes AS s
      ON s.geom && n.reach
     AND (n.kind <> 'h' OR s.kind <> 'g')
     AND ST_DWithin(ST_Scale(s.geom, n.kx, 1), n.scaled, n.reach_deg)
)
-- new evidence ~ an incident still active at its time (ground evidence may also come up to
-- :fusion_window_s before the incident's first evidence); one primary-key look-up each
SELECT near.item, i.id
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
SELECT n.item, g.id
FROM (
    SELECT i.id, i.geom, i.first_observed_at, i.last_observed_at,
           -- 1 % wider than the fusion distance: a box that never cuts the test short
           ST_Expand(i.geom, 1.01 * :fusion_m / (111320.0 * greatest(cos(radians(ST_Y(i.geom))), 0.01)),
                     1.01 * :fusion_m / 110574.0) AS reach
    FROM incidents AS i
    WHERE i.hotspot_count = 0
      AND ST_GeometryType(i.geom) = 'ST_Point'
      AND i.merged_into_id IS NULL
      AND i.status NOT IN ('extinguished', 'dismissed')
      AND i.last_observed_at >= (SELECT min(observed_at) FROM batch) - make_interval(secs => :fusion_window_s)
) AS g
JOIN batch AS n
  ON n.kind = 'h'
 AND n.shape && g.reach
 AND n.observed_at BETWEEN g.first_observed_at - make_interval(secs => :fusion_window_s)
                       AND g.last_observed_at + make_interval(secs => :fusion_window_s)
 AND ST_DWithin(ST_Scale(g.geom, n.kx, 1), n.scaled, n.fusion_deg)
