-- The DuckLake catalog lives in its own database beside Dagster's.
create database lake owner energy_index;
