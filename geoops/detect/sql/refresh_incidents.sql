-- Recompute what an incident is from all its evidence: perimeter (union of the hotspots'
-- pixel footprints; a point, the middle of the ground evidence, while only reports or
-- sensors speak for it), area (geodesic, hectares) and growth, times, counts, sources,
-- status (geoops.detect.priority scores the priority next).
-- The perimeter grows incrementally: the union of the incident's perimeter so far, those
-- of the incidents it absorbed in this transaction and the footprints added in it (every
-- older footprint is inside the perimeter so far), so a pass costs what is new.
-- Independent sources: the satellite (all hotspots together), each sensor station, each
-- report (a duplicate counts with the report it repeats). A suspected incident becomes
-- confirmed, with the reason, on a crew report, two independent sources, two satellite
-- pixels or one pixel of confidence >= 80; an isolated low-confidence pixel stays suspected.
WITH ev AS (
    SELECT e.incident_id, e.kind, e.observed_at, e.added_at, h.frp, h.confidence, h.geom AS spot,
           -- a footprint broken in storage (never built so by ingest) is repaired, not fatal
           CASE WHEN ST_IsValid(h.footprint) THEN h.footprint
                ELSE ST_CollectionExtract(ST_MakeValid(h.footprint), 3) END AS footprint,
           coalesce(h.ingested_at, r.received_at, a.created_at) AS ingested_at,
           coalesce(r.geom, a.geom) AS ground,
           a.station_id,
           coalesce(r.duplicate_of, r.id) AS report_key,
           r.reporter_kind = 'crew' AS crew
    FROM incident_evidence AS e
    LEFT JOIN hotspots AS h ON h.id = e.hotspot_id
    LEFT JOIN reports AS r ON r.id = e.report_id
    LEFT JOIN sensor_alarms AS a ON a.id = e.alarm_id
    WHERE e.incident_id = ANY(:ids)
), agg AS (
    SELECT ev.incident_id,
           count(*) FILTER (WHERE ev.kind = 'hotspot') AS hotspots,
           count(DISTINCT ev.station_id) AS stations,
           count(DISTINCT ev.report_key) AS reporters,
           coalesce(bool_or(ev.crew), false) AS crew,
           min(ev.observed_at) AS first_seen,
           max(ev.observed_at) AS last_seen,
           min(ev.ingested_at) AS first_ingested,
           max(ev.frp) AS max_frp,
           max(ev.confidence) AS max_confidence,
           coalesce(ST_Centroid(ST_Collect(ev.ground)), ST_Centroid(ST_Collect(ev.spot))) AS ground_point
    FROM ev
    GROUP BY ev.incident_id
), grown AS (
    SELECT ev.incident_id, ev.footprint AS shape FROM ev WHERE ev.added_at = now() AND ev.footprint IS NOT NULL
    UNION ALL
    SELECT i.id, i.geom FROM incidents AS i WHERE i.id = ANY(:ids) AND ST_Dimension(i.geom) = 2
    UNION ALL
    SELECT m.merged_into_id, m.geom FROM incidents AS m
    WHERE m.merged_into_id = ANY(:ids) AND m.updated_at = now() AND ST_Dimension(m.geom) = 2
), perimeters AS (
    -- snapped to the 1e-6 degree grid the API serves, so the served shape stays valid
    SELECT g.incident_id,
           nullif(ST_Multi(ST_ReducePrecision(ST_Union(g.shape), 0.000001)), 'MULTIPOLYGON EMPTY') AS perimeter
    FROM grown AS g
    GROUP BY g.incident_id
), judged AS (
    SELECT agg.*, p.perimeter,
           coalesce(ST_Area(p.perimeter::geography) / 10000.0, 0) AS ha,
           array_remove(ARRAY[
               CASE WHEN agg.hotspots > 0 THEN 'satellite' END,
               CASE WHEN agg.stations > 0 THEN 'sensor' END,
               CASE WHEN agg.reporters > 0 THEN 'report' END
           ], NULL) AS source_list,
           (agg.hotspots > 0)::int + agg.stations + agg.reporters AS independent
    FROM agg
    LEFT JOIN perimeters AS p ON p.incident_id = agg.incident_id
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
    geom = coalesce(s.perimeter, s.ground_point),
    centroid = ST_PointOnSurface(coalesce(s.perimeter, s.ground_point)),
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
          i.hotspot_count, old.hotspot_count AS previous_hotspot_count, i.area_ha, i.growth_ha, i.sources
