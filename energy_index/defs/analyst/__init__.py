"""The analyst views: schema `analyst`, one dbt view per question analysts ask."""
