# Placeholder until schemas are embedded (replaced by the JSON-boundary work).
function(masterpro_embed_schemas target)
endfunction()
