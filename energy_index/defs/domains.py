"""What every domain's assets carry, applied in one place: group, owner, tags, code references,
code version and the footprint hooks; and the freshness checks on every mart.

A domain package (`energy_index/defs/<domain>/`) lists its own assets and checks in its
`definitions.py` with `domain_definitions(...)`; `energy_index/definitions.py` merges every domain
it finds, so no hand-kept list of all assets exists. dbt models get the same attributes from
the dbt translator (defs/transform/translator.py), their group being their domain's dbt group.
"""

import warnings
from collections.abc import Sequence
from datetime import timedelta

import dagster as dg

from energy_index.defs.code_versions import versioned
from energy_index.defs.footprint.hooks import FOOTPRINT_HOOKS

# Code references are how the UI links an asset to its source file; their beta label is about the
# API, pinned here (dagster<1.14).
warnings.filterwarnings("ignore", category=dg.BetaWarning,
                        message=".*(with_source_code_references|CodeReferencesMetadataValue|LocalFileCodeReference).*")

# Freshness checks are superseded by FreshnessPolicy, which counts materialisations only; they are
# kept on purpose (freshness_checks below says why).
warnings.filterwarnings("ignore", category=dg.SupersessionWarning,
                        message=".*(build_last_update_freshness_checks|build_sensor_for_freshness_checks).*")

OWNER = "team:energy-index"

# The upstream source each domain's data comes from (the `source` tag); a domain missing here
# computes from other domains' data.
SOURCE_TAGS = {
    "mlenergy": "ml-energy-leaderboard",
    "economic_index": "anthropic-economic-index",
    "corporate": "company-sustainability-reports",
    "grid_carbon": "google-cloud-carbon-and-codecarbon",
    "estimates": "published-training-figures",
    "footprint": "codecarbon-measurements",
    "assumptions": "assumptions-registry",
}

# Marts and the published snapshot are refreshed nightly (schedules.py, 02:00), or found current
# by that night's plan (operations/refresh.py records it), so each is at most a day old; six
# hours of slack for a slow night before the UI shows one as late.
FRESH_LAYERS = {"marts", "publish"}
FRESHNESS_WINDOW = timedelta(hours=30)
FRESHNESS_DESCRIPTION = (
    f"Warns when this table was neither rebuilt nor found current in the last "
    f"{FRESHNESS_WINDOW.total_seconds() / 3600:.0f} hours. The nightly refresh (02:00 UTC) rebuilds it when "
    "its inputs changed, or records it as \"verified current\" when they did not, so it is at most a day old; "
    "older (six hours of slack for a slow night) means a night's refresh failed or did not run, and the table "
    "may lag its sources.")


def with_domain_attributes(spec: dg.AssetSpec, group: str) -> dg.AssetSpec:
    """The spec in its domain's group with owner and tags (layer, pii, source)."""
    return spec.replace_attributes(
        group_name=group,
        owners=[OWNER],
        tags={**spec.tags, "layer": spec.key.path[0], "pii": "none", "source": SOURCE_TAGS.get(group, "derived")},
    )


def domain_definitions(domain: str, assets: Sequence[dg.AssetsDefinition],
                       checks: Sequence[dg.AssetChecksDefinition] = ()) -> dg.Definitions:
    """One domain's definitions: its assets grouped, owned, tagged, linked to their source file,
    versioned by the domain's code, and measured by the footprint hooks, like its checks."""
    described = dg.map_asset_specs(lambda spec: with_domain_attributes(spec, domain), assets)
    referenced = dg.with_source_code_references(described)
    return dg.Definitions(
        assets=[versioned(a).with_hooks(FOOTPRINT_HOOKS) for a in referenced],
        asset_checks=[c.with_hooks(FOOTPRINT_HOOKS) for c in checks],
    )


def shared_definitions(assets: Sequence[dg.AssetsDefinition]) -> dg.Definitions:
    """Assets whose specs already carry their domains' attributes (the dbt models, from the
    translator): versioned where they have no code version of their own, and measured."""
    return dg.Definitions(assets=[versioned(a).with_hooks(FOOTPRINT_HOOKS) for a in assets])


def freshness_checks(domains: Sequence[dg.Definitions]) -> list[dg.AssetChecksDefinition]:
    """One check per mart (and the snapshot): it warns when neither a materialisation nor a nightly
    "verified current" observation is newer than FRESHNESS_WINDOW. Dagster's FreshnessPolicy counts
    materialisations only, which would call late every mart an incremental night had no reason to
    rebuild; these checks count observations too."""
    keys = {key for domain in domains for assets_def in domain.assets for key in assets_def.keys
            if key.path[0] in FRESH_LAYERS}
    checks = dg.build_last_update_freshness_checks(assets=sorted(keys, key=lambda k: k.to_user_string()),
                                                   lower_bound_delta=FRESHNESS_WINDOW)
    return [_described(check, FRESHNESS_DESCRIPTION).with_hooks(FOOTPRINT_HOOKS) for check in checks]


def _described(checks_def: dg.AssetChecksDefinition, description: str) -> dg.AssetChecksDefinition:
    """The checks with `description` on every spec: the builder takes none and gives each Dagster's
    stock "Evaluates freshness for targeted asset.", which says nothing of this project's window."""
    specs = {output: dg.AssetCheckSpec(name=spec.name, asset=spec.asset_key, description=description,
                                       additional_deps=spec.additional_deps, metadata=spec.metadata,
                                       blocking=spec.blocking)
             for output, spec in checks_def.check_specs_by_output_name.items()}
    return dg.AssetChecksDefinition.create(keys_by_input_name=checks_def.keys_by_input_name, node_def=checks_def.op,
                                           check_specs_by_output_name=specs, can_subset=checks_def.can_subset,
                                           resource_defs=checks_def.resource_defs)
