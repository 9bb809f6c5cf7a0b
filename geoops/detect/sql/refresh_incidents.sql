-- Bring the incidents touched by this pass up to date from what changed, never from all
-- their evidence, so a pass costs what is new however large a fire has grown:
-- counts, times and FRP from the incident's figures so far, those of the incidents it
-- absorbed in this pass (:survivors / :absorbed pairs) and the evidence attached in this
-- pass (its sums per incident: the fresh_ and day_ arrays); the perimeter as the union of
-- the perimeters so far with the new pixel footprints (every older footprint lies inside
-- them), met in memory with its area and a point inside it; the ground evidence (reports,
-- alarms: few, read through a partial index) for the independent sources.
-- A ground-only incident's geometry is a point, the middle of its ground evidence. Area is
-- equal-area (EPSG:6933), in hectares; growth is against the area before this pass. The
-- UTC days hotspots were seen on and the box of their points grow the same way (they are
-- what learning heat sources tests first, sql/heat_candidates.sql).
-- Independent sources: the satellite (all hotspots together), each sensor station, each
-- report (a duplicate counts with the report it repeats). A suspected incident becomes
-- confirmed, with the reason, on a crew report, two independent sources, two satellite
-- pixels or one pixel of confidence >= 80; an isolated low-confidence pixel stays suspected.
WITH fresh_days AS (
    SELECT d.incident_id, array_agg(DATE '1970-01-01' + d.day ORDER BY d.day) AS days
    FROM unnest(CAST(:day_incidents AS bigint[]), CAST(:days AS int[])) AS d(incident_id, day)
    GROUP BY d.incident_id
), fresh AS (
    -- what the evidence attached in this pass adds, summed per incident in memory
    -- (detect/evidence_sums.py: the claim read every figure, no hotspot is looked up again)
    SELECT f.incident_id, f.hotspots,
           to_timestamp(f.first_seen) AS first_seen,
           to_timestamp(f.last_seen) AS last_seen,
           to_timestamp(f.first_ingested) AS first_ingested,
           f.max_frp, f.max_confidence,
           ST_Point(f.mid_x, f.mid_y, 4326) AS spots_middle,  -- NULL without hotspots
           d.days,
           (SELECT ST_Extent(p.spot)::geometry
            FROM (VALUES (ST_Point(f.x0, f.y0, 4326)), (ST_Point(f.x1, f.y1, 4326))) AS p(spot)) AS spots_box
    FROM unnest(CAST(:fresh_incidents AS bigint[]), CAST(:fresh_hotspots AS bigint[]),
                CAST(:fresh_first AS float8[]), CAST(:fresh_last AS float8[]), CAST(:fresh_ingested AS float8[]),
                CAST(:fresh_frp AS float8[]), CAST(:fresh_confidence AS float8[]),
                CAST(:fresh_mid_x AS float8[]), CAST(:fresh_mid_y AS float8[]),
                CAST(:fresh_x0 AS float8[]), CAST(:fresh_y0 AS float8[]),
                CAST(:fresh_x1 AS float8[]), CAST(:fresh_y1 AS float8[]))
         AS f(incident_id, hotspots, first_seen, last_seen, first_ingested, max_frp, max_confidence,
              mid_x, mid_y, x0, y0, x1, y1)
    LEFT JOIN fresh_days AS d ON d.incident_id = f.incident_id
), merges AS (
    SELECT m.survivor, m.absorbed
    FROM unnest(CAST(:survivors AS bigint[]), CAST(:absorbed AS bigint[])) AS m(survivor, absorbed)
), absorbed AS (
    SELECT m.survivor AS incident_id,
           sum(i.hotspot_count) AS hotspots,
           min(i.first_observed_at) AS first_seen,
           max(i.last_observed_at) AS last_seen,
           min(i.first_ingested_at) AS first_ingested,
           max(i.max_frp) AS max_frp,
           (SELECT array_agg(DISTINCT d) FROM merges AS m2 JOIN incidents AS i2 ON i2.id = m2.absorbed,
                   unnest(i2.hotspot_days) AS d
            WHERE m2.survivor = m.survivor) AS days,
           ST_Extent(i.spots_box)::geometry AS spots_box
    FROM merges AS m
    JOIN incidents AS i ON i.id = m.absorbed
    GROUP BY m.survivor
), ground AS (
    SELECT e.incident_id,
           count(DISTINCT a.station_id) AS stations,
           count(DISTINCT coalesce(r.duplicate_of, r.id)) AS reporters,
           coalesce(bool_or(r.reporter_kind = 'crew'), false) AS crew,
           ST_Centroid(ST_Collect(coalesce(r.geom, a.geom))) AS ground_point
    FROM incident_evidence AS e
    LEFT JOIN reports AS r ON r.id = e.report_id
    LEFT JOIN sensor_alarms AS a ON a.id = e.alarm_id
    WHERE e.incident_id = ANY(:ids) AND e.hotspot_id IS NULL
    GROUP BY e.incident_id
), grown AS (
    -- each perimeter this pass changed, met with its new footprints and the perimeters it
    -- absorbed in memory, with its equal-area hectares and a point inside it
    -- (detect/perimeter_growth.py: unions of boxes on the 1e-6 degree grid stay on it, so
    -- the served perimeter stays valid without a snapping pass over all of it)
    SELECT g.incident_id, ST_GeomFromWKB(g.shape, 4326) AS perimeter, g.ha,
           ST_Point(g.x, g.y, 4326) AS inside
    FROM unnest(CAST(:grown_incidents AS bigint[]), CAST(:grown_shapes AS bytea[]),
                CAST(:grown_ha AS float8[]), CAST(:grown_x AS float8[]), CAST(:grown_y AS float8[]))
         AS g(incident_id, shape, ha, x, y)
), agg AS (
    SELECT i.id AS incident_id,
           i.hotspot_count + coalesce(f.hotspots, 0) + coalesce(m.hotspots, 0) AS hotspots,
           coalesce(g.stations, 0) AS stations,
           coalesce(g.reporters, 0) AS reporters,
           coalesce(g.crew, false) AS crew,
           least(i.first_observed_at, f.first_seen, m.first_seen) AS first_seen,
           greatest(i.last_observed_at, f.last_seen, m.last_seen) AS last_seen,
           least(i.first_ingested_at, f.first_ingested, m.first_ingested) AS first_ingested,
           greatest(i.max_frp, f.max_frp, m.max_frp) AS max_frp,
           f.max_confidence,
           ARRAY(SELECT DISTINCT d FROM unnest(i.hotspot_days || f.days || m.days) AS d ORDER BY d) AS days,
           (SELECT ST_Extent(b)::geometry FROM unnest(ARRAY[i.spots_box, f.spots_box, m.spots_box]) AS b)
               AS spots_box,
           CASE WHEN p.incident_id IS NOT NULL THEN p.perimeter
                WHEN ST_Dimension(i.geom) = 2 THEN i.geom END AS perimeter,
           CASE WHEN p.incident_id IS NOT NULL THEN coalesce(p.ha, 0)
                WHEN ST_Dimension(i.geom) = 2 THEN i.area_ha ELSE 0 END AS ha,
           p.inside,
           coalesce(g.ground_point, f.spots_middle) AS ground_point
    FROM incidents AS i
    LEFT JOIN fresh AS f ON f.incident_id = i.id
    LEFT JOIN absorbed AS m ON m.incident_id = i.id
    LEFT JOIN ground AS g ON g.incident_id = i.id
    LEFT JOIN grown AS p ON p.incident_id = i.id
    WHERE i.id = ANY(:ids)
), judged AS (
    SELECT agg.*,
           array_remove(ARRAY[
               CASE WHEN agg.hotspots > 0 THEN 'satellite' END,
               CASE WHEN agg.stations > 0 THEN 'sensor' END,
               CASE WHEN agg.reporters > 0 THEN 'report' END
           ], NULL) AS source_list,
           (agg.hotspots > 0)::int + agg.stations + agg.reporters AS independent
    FROM agg
), reasoned AS (
    SELECT judged.*, CASE
        WHEN judged.crew THEN 'a crew report'
        WHEN judged.independent >= 2
            THEN judged.independent || ' independent sources (' || array_to_string(judged.source_list, ', ') || ')'
        WHEN judged.hotspots >= 2 THEN judged.hotspots || ' satellite detections'
        WHEN coalesce(judged.max_confidence, 0) >= 80 THEN 'a high-confidence satellite detection'
    END AS confirmation
    FROM judged
)
UPDATE incidents AS i
SET hotspot_count = s.hotspots,
    first_observed_at = s.first_seen,
    last_observed_at = s.last_seen,
    first_ingested_at = s.first_ingested,
    max_frp = s.max_frp,
    hotspot_days = s.days,
    spots_box = s.spots_box,
    geom = coalesce(s.perimeter, s.ground_point, old.geom),
    -- a perimeter only grows, so the point inside it before the pass is inside it still
    centroid = coalesce(s.inside,
                        CASE WHEN s.perimeter IS NOT NULL
                             THEN coalesce(old.centroid, ST_PointOnSurface(s.perimeter)) END,
                        s.ground_point, old.centroid),
    area_ha = s.ha,
    growth_ha = s.ha - old.area_ha,
    sources = s.source_list,
    registration_latency_s = coalesce(
        i.registration_latency_s, extract(epoch FROM i.registered_at - s.first_ingested)
    ),
    status = CASE WHEN old.status = 'suspected' AND s.confirmation IS NOT NULL THEN 'confirmed' ELSE old.status END,
    status_reason = CASE
        WHEN old.status = 'suspected' AND s.confirmation IS NOT NULL THEN 'confirmed by ' || s.confirmation
        ELSE old.status_reason END,
    updated_at = now()
FROM reasoned AS s
JOIN incidents AS old ON old.id = s.incident_id
WHERE i.id = s.incident_id
RETURNING i.id, i.number, i.status, old.status AS previous_status, i.status_reason,
          i.hotspot_count, old.hotspot_count AS previous_hotspot_count, i.area_ha, i.growth_ha, i.sources,
          extract(epoch FROM i.last_observed_at)::float8 AS last_seen,
          cardinality(i.hotspot_days) AS days, cardinality(old.hotspot_days) AS previous_days
