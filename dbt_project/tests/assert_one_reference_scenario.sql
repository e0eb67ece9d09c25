-- Exactly one chat serving scenario is the reference (the reference model on the reference GPU in
-- the release the reference_benchmark_release assumption chooses): none would leave every
-- reference figure empty, two would double them. Returns a row when that does not hold.
select count(*) filter (where is_reference) as reference_scenarios
from {{ ref('int_energy__chat_scenarios') }}
having count(*) filter (where is_reference) <> 1
