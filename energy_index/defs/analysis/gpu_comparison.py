"""A GPU against its successor on the same work (v2 A100 to H100, v3 H100 to B200): ratio
distributions, energy histograms, correlations."""

import dagster as dg
import polars as pl
from dagster_duckdb import DuckDBResource

from energy_index.metadata_tables import preview_table
from energy_index.plots import heatmap_plot, log_histogram_plot

GPU_COMPARISON = dg.AssetKey(["marts", "fct_gpu_comparison"])
WORKLOAD_ENERGY = dg.AssetKey(["marts", "fct_workload_energy"])
# Numeric configuration and runtime columns of marts.fct_workload_energy set against energy_j.
FEATURES = ["params_billion", "active_params_billion", "num_gpus", "tensor_parallel", "pipeline_parallel",
            "expert_parallel", "batch_size", "max_batch_size_reqs", "avg_batch_size_reqs", "denoising_steps", "frames",
            "batch_latency_s", "avg_tpot_s", "median_itl_s", "token_throughput_tok_s", "avg_output_tokens",
            "avg_power_w"]
MIN_PAIRS = 3  # fewer points than this give a correlation of no meaning

RATIO_BY_MODALITY = """
    select
        benchmark_release,
        gpu_pair,
        coalesce(modality, 'all') as modality,
        count(*) as pairs,
        median(compared_to_reference_ratio) as median_ratio,
        quantile_cont(compared_to_reference_ratio, 0.1) as p10_ratio,
        quantile_cont(compared_to_reference_ratio, 0.9) as p90_ratio
    from marts.fct_gpu_comparison
    group by grouping sets ((benchmark_release, gpu_pair, modality), (benchmark_release, gpu_pair))
    order by benchmark_release, gpu_pair, modality is null, modality"""


def spearman(runs: pl.DataFrame, feature: str) -> float | None:
    """Rank correlation of one column with energy_j over the rows where both are measured.

    Rank, not Pearson: energies span orders of magnitude and a few large runs would dominate.
    None where the column is missing or constant (e.g. every diffusion run at 25 steps).
    """
    pairs = runs.select(feature, "energy_j").drop_nulls()
    if pairs.height < MIN_PAIRS or pairs[feature].n_unique() < 2 or pairs["energy_j"].n_unique() < 2:
        return None
    return pairs.select(pl.corr(feature, "energy_j", method="spearman")).item()


def correlation_heatmap(runs: pl.DataFrame, gpu: str) -> dg.MetadataValue:
    """Per modality (so each column compares energies of one unit), each feature against energy_j."""
    on_gpu = runs.filter(pl.col("gpu") == gpu)
    modalities = sorted(on_gpu["modality"].unique().to_list())
    matrix = {feature: [spearman(on_gpu.filter(pl.col("modality") == m), feature) for m in modalities]
              for feature in FEATURES}
    # Drop columns that no modality measures on this GPU, rather than show a row of blanks.
    matrix = {feature: row for feature, row in matrix.items() if any(v is not None for v in row)}
    return heatmap_plot(list(matrix.values()), list(matrix), modalities,
                        f"{gpu}: Spearman correlation with energy_j, per modality")


def energy_histogram(runs: pl.DataFrame) -> dg.MetadataValue:
    """Energy per unit of work per GPU, stacked by modality (labelled with its unit)."""
    panels = {}
    for gpu in gpus_of(runs):
        on_gpu = runs.filter(pl.col("gpu") == gpu)
        panels[gpu] = {f"{modality} ({unit})": group["energy_j"].to_list()
                       for (modality, unit), group in on_gpu.group_by(["modality", "energy_unit"])}
    return log_histogram_plot(panels, "Energy per unit of work, per GPU", "energy_j (J per request, image or video)")


def gpus_of(runs: pl.DataFrame) -> list[str]:
    """The GPUs in `runs`, named `<release> <gpu>` by the query (v2's H100 and v3's are measured
    by different serving stacks, so each release's GPU gets its own panel)."""
    return sorted(runs["gpu"].unique().to_list())


@dg.asset(key=["ml", "gpu_comparison"], kinds={"duckdb"},
          deps=[GPU_COMPARISON, WORKLOAD_ENERGY], pool="warehouse")
def gpu_comparison(duckdb: DuckDBResource) -> dg.MaterializeResult:
    """How each GPU compares with its successor on the same work, for the UI (v2: A100 to H100; v3:
    H100 to B200).

    From `marts.fct_gpu_comparison` (runs of the same release, task, model and config measured on
    both GPUs): the newer/older energy ratio per release, GPU pair and modality (pairs, median,
    10th and 90th percentile; below 1 the newer GPU uses less energy). From
    `marts.fct_workload_energy`: a histogram of energy
    per unit of work on each GPU (log x), and per GPU a heatmap of the Spearman correlation of
    each numeric configuration and runtime column with energy, per modality. Nothing is written
    to the warehouse.
    """
    with duckdb.get_connection() as conn:
        pairs = conn.execute("select count(*) from marts.fct_gpu_comparison").fetchone()[0]
        ratios = preview_table(conn, RATIO_BY_MODALITY, limit=50)
        runs = conn.sql(f"select benchmark_release || ' ' || gpu as gpu, modality, energy_unit, energy_j, "
                        f"{', '.join(FEATURES)} from marts.fct_workload_energy order by run_id").pl()
    metadata = {
        "pairs": pairs,
        "ratio_by_gpu_pair_and_modality": ratios,
        "energy_histogram": energy_histogram(runs),
    }
    for gpu in gpus_of(runs):
        metadata[f"correlation_heatmap/{gpu}"] = correlation_heatmap(runs, gpu)
    return dg.MaterializeResult(metadata=metadata)
