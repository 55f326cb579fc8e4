//! Chinese for the search strings (English -> 简体中文); kept apart so each
//! area's strings sit in one place.

/// English -> 简体中文.
pub(super) const ZH: &[(&str, &str)] = &[
    ("Dense: meaning (sentence model)", "Dense：语义（句子模型）"),
    ("Hybrid: BM25 + dense", "Hybrid：BM25 + 语义"),
    (
        "Learned: BM25 + dense, re-ranked",
        "Learned：BM25 + 语义，学习式重排",
    ),
    (
        "The learned ranker orders BM25's and dense search's top items with a model trained on the tune half of the judged queries; it is measured on the other half.",
        "学习式排序用在已评判查询的 tune 一半上训练的模型，给 BM25 与语义搜索的前列商品重新排序；在另一半上衡量效果。",
    ),
    ("Train re-ranker", "训练重排序模型"),
    ("Retrain re-ranker", "重新训练重排序模型"),
    ("Training the search re-ranker", "正在训练搜索重排序模型"),
    ("Search re-ranker trained", "搜索重排序模型已训练"),
    ("Re-ranker: not trained", "重排序模型：未训练"),
    ("Re-ranker trained on", "重排序模型训练于"),
    ("judged queries", "个已评判查询"),
    ("pair", "对"),
    ("pairs", "对"),
    (
        "Measured on the held-out half of the judged queries, which the re-ranker did not learn from.",
        "在已评判查询中留出的一半上衡量，重排序模型没有从这些查询中学习。",
    ),
    ("item ranked by meaning", "件商品按语义排序"),
    ("items ranked by meaning", "件商品按语义排序"),
    (
        "Dense and hybrid search need a vector of every item's text (title, brand, category), computed once on this computer; after catalog changes only new or changed items are computed again.",
        "语义搜索和混合搜索需要每件商品文本（标题、品牌、类目）的向量，在本机计算一次；目录变化后只重新计算新增或改动的商品。",
    ),
    ("Build embeddings", "计算商品向量"),
    ("Building embeddings", "正在计算商品向量"),
    ("Embeddings built", "商品向量已算好"),
    ("A price cannot be below 0.", "价格不能小于 0。"),
    ("Enter searches the exact words", "按回车按完整词搜索"),
    (
        "Fix the price filter to search again.",
        "请先改正价格筛选，才能再次搜索。",
    ),
    (
        "No item contains a word starting with",
        "没有商品含有以此开头的词：",
    ),
    (
        "No item contains any of these words.",
        "没有商品含有这些词中的任何一个。",
    ),
    ("Remove this filter", "移除此筛选条件"),
    (
        "The highest price is below the lowest; swap them.",
        "最高价低于最低价；请交换两者。",
    ),
    ("adds 0", "得分加 0"),
    ("also matches", "也匹配"),
    ("at least", "至少"),
    ("at most", "至多"),
    (
        "completes the last word typed; only the best completion counts, at a reduced weight",
        "补全了最后输入的词；只计最佳的一个补全，且权重降低",
    ),
    ("matching item", "件匹配商品"),
    ("grade", "等级"),
    ("below the relevance threshold", "低于相关性阈值"),
    ("at or above the relevance threshold", "达到相关性阈值"),
    ("replaces the imported grade", "将替换导入的等级"),
    ("removes the imported grade", "将删除导入的等级"),
    ("field length", "字段长度"),
    ("filter:", "筛选："),
    ("in", "位于"),
    (
        "is not a price; type a number like 19.99",
        "不是价格；请输入数字，例如 19.99",
    ),
    ("not used: not a price", "未使用：不是价格"),
    ("occurrences", "出现次数"),
    ("total", "合计"),
    ("description", "描述"),
    ("attributes", "属性"),
];
