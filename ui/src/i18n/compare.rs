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
];
