-- Recompute what an incident is from its evidence: perimeter (union of pixel footprints),
-- area (geodesic, hectares), times, counts, status and priority.
-- Status: a lone low-confidence pixel stays 'suspected'; two pixels or one of confidence
-- >= 80 confirm it. Priority classes by burning area and peak FRP (documented in README).
WITH agg AS (
    SELECT e.incident_id,
           count(*) AS n,
           min(h.observed_at) AS first_seen,
           max(h.observed_at) AS last_seen,
           min(h.ingested_at) AS first_ingested,
           max(h.frp) AS max_frp,
           max(h.confidence) AS max_confidence,
           -- snapped to the 1e-6 degree grid the API serves, so the served shape stays valid
           ST_Multi(ST_ReducePrecision(ST_Union(h.footprint), 0.000001)) AS perimeter
    FROM incident_evidence AS e
    JOIN hotspots AS h ON h.id = e.hotspot_id
    WHERE e.incident_id = ANY(:ids)
    GROUP BY e.incident_id
), shaped AS (
    SELECT agg.*, ST_Area(agg.perimeter::geography) / 10000.0 AS ha FROM agg
)
UPDATE incidents AS i
SET hotspot_count = s.n,
    first_observed_at = s.first_seen,
    last_observed_at = s.last_seen,
    max_frp = s.max_frp,
    geom = s.perimeter,
    centroid = ST_PointOnSurface(s.perimeter),
    area_ha = s.ha,
    sources = ARRAY['satellite'],
    registration_latency_s = coalesce(
        i.registration_latency_s, extract(epoch FROM i.registered_at - s.first_ingested)
    ),
    status = CASE
        WHEN i.status = 'suspected' AND (s.n >= 2 OR coalesce(s.max_confidence, 0) >= 80)
        THEN 'confirmed' ELSE i.status END,
    priority = CASE
        WHEN s.ha >= 5000 OR coalesce(s.max_frp, 0) >= 1000 THEN 'critical'
        WHEN s.ha >= 500 OR coalesce(s.max_frp, 0) >= 300 THEN 'high'
        WHEN s.ha >= 50 OR coalesce(s.max_frp, 0) >= 50 THEN 'medium'
        ELSE 'low' END,
    updated_at = now()
FROM shaped AS s
WHERE i.id = s.incident_id
RETURNING i.id, i.number, i.status, i.priority, i.hotspot_count, i.area_ha
