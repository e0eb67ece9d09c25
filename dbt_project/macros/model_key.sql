{#- A model name reduced to what identifies the model across sources, as Python's
    ratings.grading.model_key: no repository owner, no release-variant or publisher words (seed
    model_name_words), lower case, words joined by '-' with version dots kept. The query must
    cross join model_name_word_list() for the `name_words` column. -#}
{% macro model_key(column) -%}
    array_to_string(list_filter(
        regexp_split_to_array(lower(split_part({{ column }}, '/', -1)), '[^a-z0-9.]+'),
        w -> trim(w, '.') <> '' and not list_contains(name_words, w)), '-')
{%- endmacro %}

{% macro model_name_word_list() -%}
    (select list(lower(word)) as name_words from {{ ref('model_name_words') }})
{%- endmacro %}
