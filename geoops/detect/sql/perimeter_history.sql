-- One row of perimeter history for each incident whose perimeter changed in this pass,
-- dated by its latest evidence, so the map can replay the spread.
INSERT INTO incident_perimeters (incident_id, observed_at, geom, area_ha, growth_ha, hotspot_count)
SELECT i.id, i.last_observed_at, i.geom, i.area_ha, i.growth_ha, i.hotspot_count
FROM incidents AS i
WHERE i.id = ANY(:ids) AND i.hotspot_count > 0
