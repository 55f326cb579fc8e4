//! Chinese for the train strings (English -> 简体中文); kept apart so each
//! area's strings sit in one place. Covers the Train and Recommend views and
//! the per-shopper list.

/// English -> 简体中文.
pub(super) const ZH: &[(&str, &str)] = &[
    ("shoppers with training events", "个有训练事件的用户"),
    (
        "cold shoppers (no training events)",
        "个冷启动用户（没有训练事件）",
    ),
    (
        "Running mean over the shoppers scored",
        "已评估用户上的累计平均值",
    ),
    ("Training loss per epoch", "每轮训练损失"),
    ("Validation per epoch", "每轮验证指标"),
    ("training loss", "训练损失"),
    ("validation", "验证"),
    ("How training went", "训练情况"),
    (
        "Learned models (trained in epochs)",
        "学习型模型（按轮次训练）",
    ),
    (
        "Without a validation share it trains all its epochs, never stops early and draws no validation curve.",
        "没有验证集时，它会训练完所有轮次，不会提前停止，也不画验证曲线。",
    ),
    (
        "Hold out 10% of training for validation",
        "从训练数据中留出 10% 作验证",
    ),
    ("Train on", "训练设备"),
    (
        "none: no validation share, the last epoch is kept",
        "无：没有验证集，保留最后一轮",
    ),
    ("yes: validation stopped improving", "是：验证指标不再提升"),
    ("no", "否"),
    ("yes, from epoch", "是，从第几轮继续："),
    ("trained on", "训练设备"),
    ("epochs run", "已训练轮数"),
    ("best epoch", "最好的一轮"),
    ("stopped early", "提前停止"),
    ("resumed", "断点续训"),
    ("epoch", "轮次"),
    ("finished", "已完成"),
    ("live", "实时"),
    (
        "the run was too quick for a curve (fewer than two points)",
        "运行太快，画不出曲线（不到两个点）",
    ),
    (
        "the curve appears from the second point",
        "曲线从第二个点开始显示",
    ),
    ("Change the order", "切换排序"),
    ("Hide shoppers by metric", "隐藏按指标排列的用户"),
    ("Show shoppers by metric", "显示按指标排列的用户"),
    ("Sorted by", "排序依据"),
    ("Run to list", "列出的运行"),
    (
        "No training events for this shopper: ranked by",
        "该用户在训练集中没有事件：排序依据为",
    ),
    (
        "Pick a shopper and press Recommend. Each run's saved model ranks the whole catalog for the shopper as its evaluation did.",
        "选择一个用户并点击“推荐”。每个运行保存的模型会像评估时那样为该用户对整个商品目录排序。",
    ),
    (
        "All these scores are equal: the order is the run's tie rule.",
        "这些分数全部相等：顺序由该运行的平局规则决定。",
    ),
    ("Ranking for shopper", "正在为用户排序"),
    ("Reading the run's shoppers…", "正在读取该运行的用户……"),
    ("Reading the shoppers of run", "正在读取运行的用户："),
    ("Shoppers of run", "运行的用户："),
    (
        "This run recorded no per-shopper values.",
        "该运行没有记录逐用户的指标值。",
    ),
    ("Read again", "重新读取"),
    ("best first", "最好的在前"),
    ("worst first", "最差的在前"),
    (
        "taken in the test period (held out from training)",
        "在测试期内发生交互（训练时留出）",
    ),
    (
        "Sampled run: its metrics ranked each test item against {n} sampled items only; this list ranks the whole catalogue.",
        "抽样评估的运行：其指标仅将每个测试物品与 {n} 个抽样物品比较排序；此列表对整个商品目录排序。",
    ),
    (
        "Sampled run: each test item was ranked against {n} sampled items only, not the whole catalogue (optimistic values).",
        "抽样评估的运行：每个测试物品仅与 {n} 个抽样物品比较排序，而非整个商品目录（数值偏乐观）。",
    ),
    (
        "click a shopper to see their lists",
        "点击用户查看其推荐列表",
    ),
    ("held-out items", "个留出物品"),
    (
        "{hits} of {n} held-out items found",
        "在 {n} 个留出物品中找到 {hits} 个",
    ),
    (
        "italics: already in the shopper's history",
        "斜体：已在用户历史中",
    ),
    ("no training events (cold)", "无训练事件（冷启动）"),
    ("all scores equal", "所有得分相同"),
    ("tie order counts", "同分顺序有影响"),
    (
        "a held-out item tied another item's score inside the list or at its cut; the value shown follows the run's tie rule",
        "某个留出物品在列表内或截断处与其他物品同分；显示的数值遵循本次运行的同分规则",
    ),
    ("test period", "测试期"),
    ("Recommendations for this shopper", "该用户的推荐"),
    ("Shoppers by this metric", "按此指标查看用户"),
    (
        "Each shopper's value of this metric for this run, worst first; click one to see their lists",
        "此运行中每个用户在该指标上的值，最差的在前；点击用户查看其推荐列表",
    ),
    (
        "The shopper took nothing new in this run's test period (items they had already taken count only in runs with repeats): no hits to mark.",
        "该用户在此运行的测试期内没有新的行为（已有过的物品只在允许重复的运行中计入）：没有可标记的命中。",
    ),
];
