//! Chinese for the compare strings (English -> 简体中文); kept apart so each
//! area's strings sit in one place.

/// English -> 简体中文.
pub(super) const ZH: &[(&str, &str)] = &[
    (
        "Click: this run's shoppers by this metric, worst first",
        "点击：按此指标列出该实验的用户，最差的在前",
    ),
    (
        "A run needs a name; its id stays as it is.",
        "实验需要一个名称；其编号保持不变。",
    ),
    ("Chart measure", "图表指标"),
    ("Export chart", "导出图表"),
    ("Export table", "导出表格"),
    (
        "How the run's events were split into training and test",
        "该实验的事件如何划分为训练集和测试集",
    ),
    ("New name of the run", "实验的新名称"),
    (
        "No latency recorded for these runs.",
        "这些实验没有记录响应时间。",
    ),
    (
        "None of these runs recorded this measure.",
        "这些实验都没有记录该指标。",
    ),
    ("Rename…", "重命名…"),
    ("Renaming run", "正在重命名实验"),
    (
        "Right-click a run to rename it.",
        "右键单击实验即可重命名。",
    ),
    ("Run renamed:", "实验已重命名："),
    ("Save name", "保存名称"),
    (
        "This is one figure per run, not measured at each K: it has no K curve. See the bars and the scatter.",
        "这是每个实验的单一数值，不随 K 变化，因此没有 K 曲线。请看柱状图和散点图。",
    ),
    (
        "Write the whole chart (title, axes, legend) as PNG and its data as CSV",
        "将完整图表（标题、坐标轴、图例）保存为 PNG，数据保存为 CSV",
    ),
    (
        "Write the whole table (every row and column) as PNG and CSV, with each run's settings, split and seed",
        "将完整表格（所有行和列）保存为 PNG 和 CSV，并附上每个实验的设置、划分和随机种子",
    ),
    (
        "highlighted: best at the precision shown (ties all marked)",
        "高亮：按显示精度的最佳值（并列时全部标出）",
    ),
    (
        "p95 time per request (log scale)",
        "每个请求的 p95 耗时（对数刻度）",
    ),
    ("run id:", "实验编号："),
    ("split", "划分"),
    ("started:", "开始时间："),
    ("time per request (log scale)", "每个请求的耗时（对数刻度）"),
    // The A/B section ("Is the difference real?").
    ("Is the difference real?", "差异是真的吗？"),
    (
        "Tests each ticked run against a baseline, shopper by shopper: the difference with its 95% interval, p-values adjusted for testing several runs (Holm), and how many shoppers each run wins, ties and loses.",
        "逐个用户地把每个勾选的实验与基准比较：差异及其 95% 区间、针对同时检验多个实验校正后的 p 值（Holm），以及每个实验在多少用户上胜、平、负。",
    ),
    (
        "Tick at least two runs to test them.",
        "至少勾选两个实验才能检验。",
    ),
    ("Baseline", "基准"),
    ("Test against the baseline", "与基准比较检验"),
    (
        "Testing runs against the baseline",
        "正在与基准比较检验实验",
    ),
    (
        "The runs or the baseline changed since the last test; press the button again.",
        "自上次检验后实验或基准已改变；请再按一次按钮。",
    ),
    ("shoppers paired", "位用户配对"),
    ("Run", "实验"),
    ("Metric", "指标"),
    ("This run", "该实验"),
    ("Difference [95% interval]", "差异 [95% 区间]"),
    ("Lift", "相对提升"),
    ("p (Holm)", "p（Holm 校正）"),
    ("Wins / ties / losses", "胜 / 平 / 负"),
    ("Verdict", "结论"),
    ("better", "更好"),
    ("worse", "更差"),
    ("no clear difference", "无明显差异"),
    ("Cost beside quality", "质量之外的代价"),
    ("Training (s)", "训练（秒）"),
    ("p50 (ms)", "p50（毫秒）"),
    ("p95 (ms)", "p95（毫秒）"),
    ("p99 (ms)", "p99（毫秒）"),
    ("Model size", "模型大小"),
    ("Pareto front", "帕累托前沿"),
    ("yes", "是"),
    (
        "On the Pareto front: no other run is at least as good on the first metric and on p99 latency and better on one.",
        "位于帕累托前沿：没有其他实验在第一个指标和 p99 响应时间上都不差、且至少一项更好。",
    ),
    ("All shoppers with training events", "所有有训练事件的用户"),
    (
        "Light shoppers (training events up to the median)",
        "轻度用户（训练事件数不超过中位数）",
    ),
    (
        "Heavy shoppers (training events above the median)",
        "重度用户（训练事件数高于中位数）",
    ),
    (
        "Cold shoppers (no training events)",
        "冷启动用户（没有训练事件）",
    ),
    ("Other shoppers", "其他用户"),
    (
        "Shoppers it helps and hurts most:",
        "帮助和损害最多的用户：",
    ),
    (
        "Click a shopper to see their history and both runs' lists on Recommend.",
        "点击一位用户，在“推荐”页查看其历史和两个实验的列表。",
    ),
    ("Helped", "受益"),
    ("Hurt", "受损"),
    ("nobody", "没有"),
    ("Learn:", "学习："),
    ("paired comparison", "配对比较"),
    ("t-test and Wilcoxon", "t 检验与 Wilcoxon"),
    ("Holm", "Holm 校正"),
    ("effect size", "效应量"),
    ("tuning on the test split", "在测试集上调参"),
];
