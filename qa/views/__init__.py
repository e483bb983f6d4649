"""Pages of QA, one module per page group: the runs and a run's QA (``runs``), two runs compared
(``compare``), a metric's trend (``trend``), the metrics and their specifications (``metrics``,
``specifications``), the QA gate of a campaign's steps (``gate``) and the dashboard's QA cards
(``dashboard``).

The views read through ``qa.selectors`` (statistics made fresh first by ``qa.judging``), compute
with plain modules (``qa.compare``, ``qa.specs``, ``qa.charts``) and write through ``qa.services``,
whose rules decide (the ones here only decide what to draw). What a page sends never grows with
the number of measurements: the histograms are binned in SQL, the breakdowns and box plots are
drawn from quantiles, and every page runs a fixed number of queries whatever the size of the runs.
"""
