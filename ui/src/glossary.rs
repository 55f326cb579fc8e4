//! The Learn view's texts: every metric, model and evaluation concept the
//! app shows, with its formula, what it rewards and its pitfalls, in English
//! and 简体中文. Definitions follow the engine's code (`engine::metrics`,
//! `engine::evaluate`, `engine::recommend`, `engine::split`).

/// What an entry explains.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A ranking or beyond-accuracy metric.
    Metric,
    /// A recommender or search model.
    Model,
    /// An evaluation concept (splits, protocols, judgments).
    Concept,
}

/// One explanation; text fields hold [English, 简体中文].
#[derive(Debug)]
pub struct Entry {
    /// Stable key, as used in the engine (e.g. "ndcg", "item_knn").
    pub key: &'static str,
    /// What it is.
    pub kind: Kind,
    /// Display name.
    pub title: [&'static str; 2],
    /// The formula in plain Unicode text (may be empty for concepts).
    pub formula: &'static str,
    /// What it measures or does.
    pub what: [&'static str; 2],
    /// What it rewards (for models: when it works well).
    pub rewards: [&'static str; 2],
    /// Pitfalls and common mistakes.
    pub pitfalls: [&'static str; 2],
}

use Kind::{Concept, Metric, Model};

/// Every entry, metrics first, then models, then concepts.
pub const ENTRIES: &[Entry] = &[
    Entry {
        key: "precision",
        kind: Metric,
        title: ["Precision@K", "精确率@K"],
        formula: "precision@K = |relevant ∩ top K| / K",
        what: [
            "The share of the K recommended items that are relevant.",
            "推荐的前 K 个物品中相关物品所占的比例。",
        ],
        rewards: ["Lists without wasted slots.", "没有浪费推荐位的列表。"],
        pitfalls: [
            "Divides by K even when a shopper has fewer than K relevant items, so its maximum can be below 1; compare it only at the same K.",
            "即使用户的相关物品少于 K 个也除以 K，因此最大值可能小于 1；只能在相同 K 下比较。",
        ],
    },
    Entry {
        key: "recall",
        kind: Metric,
        title: ["Recall@K", "召回率@K"],
        formula: "recall@K = |relevant ∩ top K| / |relevant|",
        what: [
            "The share of a shopper's relevant (test) items found in the top K.",
            "用户的相关（测试）物品中出现在前 K 个推荐里的比例。",
        ],
        rewards: [
            "Finding many of the items the shopper went on to choose.",
            "找出用户后来真正选择的更多物品。",
        ],
        pitfalls: [
            "Shoppers with many test items can never reach 1 at small K; the rank inside the top K does not matter.",
            "测试物品很多的用户在 K 较小时永远达不到 1；前 K 内的排名先后不影响该指标。",
        ],
    },
    Entry {
        key: "f1",
        kind: Metric,
        title: ["F1@K", "F1@K"],
        formula: "F1@K = 2 · P@K · R@K / (P@K + R@K)",
        what: [
            "The harmonic mean of precision and recall at K.",
            "K 处精确率与召回率的调和平均。",
        ],
        rewards: [
            "Lists that are both precise and complete.",
            "既精确又完整的列表。",
        ],
        pitfalls: [
            "Hides which of the two moved; read precision and recall too.",
            "看不出是哪一个变了；应同时查看精确率和召回率。",
        ],
    },
    Entry {
        key: "hit",
        kind: Metric,
        title: ["Hit rate@K", "命中率@K"],
        formula: "hit@K = 1 if |relevant ∩ top K| > 0 else 0",
        what: [
            "Whether at least one relevant item is in the top K, averaged over shoppers.",
            "前 K 个中是否至少有一个相关物品，再对用户取平均。",
        ],
        rewards: [
            "Giving every shopper at least one good suggestion.",
            "让每位用户至少得到一个好推荐。",
        ],
        pitfalls: [
            "Saturates quickly at large K and ignores everything after the first hit.",
            "K 较大时很快饱和，并忽略第一次命中之后的一切。",
        ],
    },
    Entry {
        key: "mrr",
        kind: Metric,
        title: ["MRR@K (mean reciprocal rank)", "平均倒数排名 MRR@K"],
        formula: "MRR@K = 1 / rank of the first relevant item in the top K (0 if none)",
        what: [
            "How high the first relevant item sits.",
            "第一个相关物品排得有多靠前。",
        ],
        rewards: [
            "Putting one right answer at the very top, as search needs.",
            "把一个正确答案放在最顶部，这正是搜索所需要的。",
        ],
        pitfalls: [
            "Ignores every relevant item after the first.",
            "忽略第一个之后的所有相关物品。",
        ],
    },
    Entry {
        key: "map",
        kind: Metric,
        title: ["MAP@K (mean average precision)", "平均精度均值 MAP@K"],
        formula: "AP@K = Σ_{i ≤ K, item i relevant} precision@i / |relevant|",
        what: [
            "Precision at each relevant rank, averaged and normalised by all relevant items (trec_eval map_cut).",
            "在每个相关物品所在位置计算精确率，求和后除以全部相关物品数（与 trec_eval 的 map_cut 相同）。",
        ],
        rewards: [
            "Many relevant items, ranked early.",
            "相关物品多且排名靠前。",
        ],
        pitfalls: [
            "Binary: grades above 0 all count the same. Normalised by all relevant items, so it is low when a shopper has many.",
            "只看二元相关性：大于 0 的等级都一样。按全部相关物品归一化，用户相关物品多时数值偏低。",
        ],
    },
    Entry {
        key: "ndcg",
        kind: Metric,
        title: [
            "NDCG@K (normalised discounted cumulative gain)",
            "归一化折损累计增益 NDCG@K",
        ],
        formula: "NDCG@K = DCG@K / IDCG@K,  DCG@K = Σ_{i=1..K} gain_i / log₂(i + 1)  (linear gain)",
        what: [
            "Rewards relevant items more the higher they rank, with graded gains; divided by the best possible list.",
            "相关物品排得越靠前得分越高，支持分级相关度；再除以理想排序的得分。",
        ],
        rewards: [
            "The right items in the right order, most relevant first.",
            "正确的物品以正确的顺序出现，最相关的在最前。",
        ],
        pitfalls: [
            "Shines with graded judgments; with binary test items it behaves like a rank-weighted recall. ShopLab uses linear gain (as ranx), not 2^rel − 1, so numbers from tools using the exponential gain differ on graded data.",
            "在分级标注上最有意义；若只有二元测试物品，它相当于按排名加权的召回率。ShopLab 使用线性增益（与 ranx 相同），而非 2^rel − 1，因此在分级数据上与使用指数增益的工具结果不同。",
        ],
    },
    Entry {
        key: "auc",
        kind: Metric,
        title: ["AUC", "AUC（曲线下面积）"],
        formula: "AUC = share of (test item, other item) pairs where the test item scores higher (ties count half); other items: all items neither tested nor left out, or the sampled ones",
        what: [
            "How often a shopper's test item is ranked above an item they did not choose.",
            "用户的测试物品排在其未选择物品之前的频率。",
        ],
        rewards: [
            "A good ordering of the whole catalog.",
            "对整个商品目录的良好排序。",
        ],
        pitfalls: [
            "Weighs the bottom of the list as much as the top, which shoppers never see; close to 1 even for weak top-10 lists on big catalogs.",
            "对列表底部与顶部一视同仁，而用户根本看不到底部；在大目录上，即使前 10 很差也可能接近 1。",
        ],
    },
    Entry {
        key: "coverage",
        kind: Metric,
        title: ["Catalog coverage", "目录覆盖率"],
        formula: "coverage = |distinct items in all top-K lists| / |catalog|",
        what: [
            "The share of the catalog that gets recommended to anyone, at the largest K.",
            "在最大 K 下，被推荐给至少一位用户的商品占整个目录的比例。",
        ],
        rewards: [
            "Using the long tail, not only best sellers.",
            "利用长尾商品，而不仅是畅销品。",
        ],
        pitfalls: [
            "Random lists have high coverage: read it beside accuracy, never alone.",
            "随机推荐的覆盖率也很高：必须与准确率一起看，不能单独看。",
        ],
    },
    Entry {
        key: "diversity",
        kind: Metric,
        title: ["Intra-list diversity", "列表内多样性"],
        formula: "diversity = share of item pairs in a list whose categories differ (mean over lists)",
        what: [
            "How varied each list is, by category, at the largest K.",
            "在最大 K 下，每个列表按类目衡量的多样程度。",
        ],
        rewards: [
            "Lists that show different kinds of products.",
            "展示不同种类商品的列表。",
        ],
        pitfalls: [
            "Depends on how fine the category tree is; diverse is not the same as relevant.",
            "取决于类目划分的粗细；多样并不等于相关。",
        ],
    },
    Entry {
        key: "novelty",
        kind: Metric,
        title: ["Novelty", "新颖性"],
        formula: "novelty = mean over recommended items of −log₂(shoppers of the item / training shoppers), in bits",
        what: [
            "How unexpected recommended items are: rarely bought items carry more bits.",
            "推荐物品有多出人意料：越少被购买的物品信息量（比特）越高。",
        ],
        rewards: ["Surfacing less popular items.", "推荐不那么热门的物品。"],
        pitfalls: [
            "Rises for obscure but useless items; read it with accuracy.",
            "推荐冷门但无用的物品也会使其升高；须结合准确率看。",
        ],
    },
    Entry {
        key: "popularity_bias",
        kind: Metric,
        title: ["Popularity bias (ARP)", "流行度偏差（ARP）"],
        formula: "ARP = mean over lists of the mean number of training shoppers of the recommended items",
        what: [
            "How popular the recommended items are on average. Lower means less bias towards best sellers.",
            "推荐物品平均有多热门。越低表示越少偏向畅销品。",
        ],
        rewards: [
            "(Lower is better) models that do not just repeat the best sellers.",
            "（越低越好）不只是重复畅销品的模型。",
        ],
        pitfalls: [
            "Scale depends on the data set size; compare runs on the same data only.",
            "数值尺度取决于数据集大小；只能在同一数据上比较。",
        ],
    },
    Entry {
        key: "latency",
        kind: Metric,
        title: ["Latency per request", "单次请求延迟"],
        formula: "p50 / p95 / p99 = percentiles of the time to score one shopper and take the top K",
        what: [
            "How long one recommendation request takes, measured during evaluation.",
            "评估过程中测得的一次推荐请求所需时间。",
        ],
        rewards: [
            "Models a shop can serve live.",
            "商店能够在线实时服务的模型。",
        ],
        pitfalls: [
            "Measured on this machine with several threads busy; compare runs made on the same machine. The tail (p95, p99) matters more to shoppers than the median.",
            "在本机且多线程繁忙时测得；只应比较在同一台机器上的实验。对用户而言，尾部延迟（p95、p99）比中位数更重要。",
        ],
    },
    Entry {
        key: "train_time",
        kind: Metric,
        title: ["Training and evaluation time", "训练与评估用时"],
        formula: "wall-clock seconds",
        what: [
            "Seconds spent fitting the model and evaluating it.",
            "拟合模型和评估所花的秒数。",
        ],
        rewards: [
            "Models that can be retrained often.",
            "可以频繁重新训练的模型。",
        ],
        pitfalls: [
            "Depends on the machine and on what else it runs.",
            "取决于机器以及同时运行的其他程序。",
        ],
    },
    Entry {
        key: "popularity",
        kind: Model,
        title: ["Popularity", "热门推荐"],
        formula: "score(i) = distinct shoppers of i (optionally within a recent window, with decay)",
        what: [
            "Recommends the most popular items; the same list for everyone.",
            "推荐最热门的物品，所有人看到同一个列表。",
        ],
        rewards: [
            "A strong, honest baseline; the only option for brand-new shoppers.",
            "强而诚实的基线；对全新用户来说是唯一的选择。",
        ],
        pitfalls: [
            "Looks strong on popularity-biased test sets; no personalisation at all.",
            "在偏向热门的测试集上显得很强；完全没有个性化。",
        ],
    },
    Entry {
        key: "item_knn",
        kind: Model,
        title: ["Item-kNN", "基于物品的协同过滤（Item-kNN）"],
        formula: "sim(i, j) = |U_i ∩ U_j| / (‖U_i‖ · ‖U_j‖ + shrink);  score(j) = Σ_{i ∈ history} sim(i, j) over j's k nearest",
        what: [
            "Recommends items similar to the shopper's, where similar means chosen by the same shoppers (cosine).",
            "推荐与用户已选物品相似的物品，相似指被同一批用户选择（余弦相似度）。",
        ],
        rewards: [
            "Fast, explainable (\"because you bought X\"), strong on most shops.",
            "快速、可解释（“因为你买了 X”），在大多数商店表现很好。",
        ],
        pitfalls: [
            "Rare items get noisy similarities: use shrinkage. Cannot recommend items nobody interacted with.",
            "稀有物品的相似度噪声大：应使用收缩项。无法推荐没有任何交互的物品。",
        ],
    },
    Entry {
        key: "user_knn",
        kind: Model,
        title: ["User-kNN", "基于用户的协同过滤（User-kNN）"],
        formula: "score(i) = Σ_{v ∈ k nearest shoppers} sim(u, v) · [v chose i]",
        what: [
            "Finds the shoppers most like this one and recommends what they chose.",
            "找到与该用户最相似的用户，推荐他们选择过的物品。",
        ],
        rewards: [
            "Shops with many items per shopper and clear taste groups.",
            "每位用户交互物品多、口味群体明显的商店。",
        ],
        pitfalls: [
            "Slower per request on many shoppers; weak for shoppers with little history.",
            "用户很多时单次请求较慢；对历史很少的用户效果差。",
        ],
    },
    Entry {
        key: "ease",
        kind: Model,
        title: ["EASE", "EASE（极浅自编码器）"],
        formula: "B = I − P · diagMat(1 / diag(P)),  P = (X^T X + λI)^-1",
        what: [
            "Learns in one closed-form step how much each item predicts every other item (Steck 2019).",
            "一步闭式求解，学习每个物品对其他所有物品的预测权重（Steck 2019）。",
        ],
        rewards: [
            "Often the most accurate baseline on small and medium catalogs.",
            "在中小型目录上往往是最准确的基线。",
        ],
        pitfalls: [
            "Memory grows with items²: 50K items need about 27 GiB, so ShopLab refuses large catalogs with a clear message.",
            "内存随物品数平方增长：5 万个物品约需 27 GiB，因此 ShopLab 会对大目录给出明确提示并拒绝。",
        ],
    },
    Entry {
        key: "co_purchase",
        kind: Model,
        title: ["Co-purchase (bought together)", "共同购买（经常一起买）"],
        formula: "confidence(a → b) = shoppers who bought a and b within the basket window / shoppers who bought a;  lift = confidence(a → b) · shoppers / shoppers who bought b",
        what: [
            "Items other shoppers bought within a short time (one basket) of the shopper's latest items; each shopper counts a pair once. Only purchases and add-to-carts count, unless the data has none.",
            "其他用户在短时间内（同一购物篮）与该用户最近的物品一起购买的物品；每位用户对一个配对只计一次。只统计购买和加购，除非数据中没有这两类事件。",
        ],
        rewards: [
            "\"Frequently bought together\" shelves and basket completion.",
            "“经常一起购买”栏位和购物篮补全。",
        ],
        pitfalls: [
            "Needs real baskets; lift favours rare pairs seen once or twice.",
            "需要真实的购物篮；提升度会偏向只出现一两次的稀有配对。",
        ],
    },
    Entry {
        key: "content",
        kind: Model,
        title: ["Content similarity", "基于内容的相似度"],
        formula: "sim(i, j) = BM25 score of j for a query built from i's rarest title/brand/category terms",
        what: [
            "Recommends items whose text reads like what the shopper chose, through the search index.",
            "通过搜索索引推荐文本描述与用户所选物品相似的物品。",
        ],
        rewards: [
            "New items without any events (cold start); niche catalogs.",
            "没有任何事件的新商品（冷启动）；小众目录。",
        ],
        pitfalls: [
            "Similar text is not similar taste: usually less accurate than collaborative models.",
            "文本相似不等于口味相似：通常不如协同过滤模型准确。",
        ],
    },
    Entry {
        key: "bm25",
        kind: Model,
        title: ["BM25 search", "BM25 搜索"],
        formula: "score(q, d) = Σ_{t ∈ q} boost_f · IDF(t) · tf · (k₁ + 1) / (tf + k₁ · (1 − b + b · len / avg len))",
        what: [
            "The classic text relevance score over title, description, brand, category and attributes, with a boost per field.",
            "经典文本相关性打分，覆盖标题、描述、品牌、类目和属性，每个字段有各自的权重。",
        ],
        rewards: [
            "Queries whose words appear in the product text.",
            "查询词出现在商品文本中的情形。",
        ],
        pitfalls: [
            "No synonyms or meaning: \"sofa\" does not find \"couch\". Tune field boosts on judgments, not by feel.",
            "不理解同义词和语义：“sofa” 找不到 “couch”。应基于标注调节字段权重，而不是凭感觉。",
        ],
    },
    Entry {
        key: "dense",
        kind: Model,
        title: ["Dense (meaning) search", "语义搜索（dense）"],
        formula: "score(q, d) = cos(E(q), E(d)),  E = sentence model (all-MiniLM-L6-v2), d = title | brand | category",
        what: [
            "A sentence model run on this computer turns the query and every item's text into vectors; items whose vector points the same way as the query's rank first.",
            "本机运行的句子模型把查询和每件商品的文本变成向量；与查询向量方向最接近的商品排在最前。",
        ],
        rewards: [
            "Queries worded differently from the titles (\"couch\" for sofas), and misspellings.",
            "用词与标题不同的查询（如用 “couch” 找沙发）以及拼写错误。",
        ],
        pitfalls: [
            "Misses exact codes, sizes and model numbers that keyword search matches; needs the item vectors built first.",
            "会漏掉关键词搜索能精确匹配的型号、尺寸和编码；需要先计算商品向量。",
        ],
    },
    Entry {
        key: "hybrid",
        kind: Model,
        title: ["Hybrid search", "混合搜索"],
        formula: "score = α · minmax(dense) + (1 − α) · minmax(BM25), or Σ 1 / (60 + rank) (RRF)",
        what: [
            "Keyword (BM25) and meaning (dense) candidates fused into one list, by a weighted sum of normalised scores or by reciprocal rank fusion.",
            "把关键词（BM25）和语义（dense）的候选合成一个列表：按归一化分数加权求和，或按倒数排名融合（RRF）。",
        ],
        rewards: [
            "Queries where either exact words or meaning find the right item.",
            "无论是精确用词还是语义能找到正确商品的查询。",
        ],
        pitfalls: [
            "The weight α is tuned on judged queries; check it on queries it was not tuned on.",
            "权重 α 是在已标注查询上调出来的；要在未参与调参的查询上检验。",
        ],
    },
    Entry {
        key: "learned",
        kind: Model,
        title: ["Learned re-ranking", "学习式重排序"],
        formula: "score(i) = Σ_f w_f · z_f(i);  fitted on pairs: P(i above j) = σ(score(i) − score(j))",
        what: [
            "BM25's and dense search's top 100 items are re-ordered by a linear model of their features: both scores and ranks, whether both found the item, and how many of the query's words the title, brand and category hold. The weights are fitted on the tune half of the judged queries, from pairs of items where one is judged better than the other (RankNet with a linear scorer), and the model is measured on the held half, which it never saw. On Home Depot's judgments it beats hybrid by about 0.017 NDCG@10.",
            "BM25 和语义搜索各自前 100 个商品，由一个线性模型按其特征重新排序：两者的分数和名次、是否同时被两者找到、查询词有多少出现在标题、品牌和类目中。权重在已评判查询的 tune 一半上，从“一个商品被评为优于另一个”的商品对中拟合（线性打分的 RankNet），并在从未见过的 held 一半上衡量。在 Home Depot 的评判数据上，它比混合搜索的 NDCG@10 高约 0.017。",
        ],
        rewards: [
            "Shops with judged queries: it learns how much keywords, meaning and the title's words should count for this catalog.",
            "有已评判查询的商店：它学会在这个商品目录里关键词、语义和标题用词各该占多少分量。",
        ],
        pitfalls: [
            "Measured on the queries it learned from, it looks better than it is: compare it on the held half (the app and `train-reranker` do). It can only re-order what BM25 and dense search find, and it must be trained again after new embeddings.",
            "在它学习过的查询上衡量会显得比实际好：要在 held 一半上比较（应用和 `train-reranker` 都这样做）。它只能重排 BM25 和语义搜索找到的商品；重新计算商品向量后必须重新训练。",
        ],
    },
    Entry {
        key: "temporal_split",
        kind: Concept,
        title: ["Temporal split", "按时间划分"],
        formula: "",
        what: [
            "The latest share of all events (by time) is the test set; everything before is training.",
            "按时间将全部事件中最新的一部分作为测试集，其之前的全部作为训练集。",
        ],
        rewards: [
            "Honesty: models are tested on the future, as in a live shop.",
            "诚实：模型在“未来”数据上测试，就像真实商店一样。",
        ],
        pitfalls: [
            "Shoppers who only appear in the test period have no history; results depend on the cut date (seasons, sales).",
            "只在测试期出现的用户没有历史；结果依赖于切分日期（季节、促销）。",
        ],
    },
    Entry {
        key: "leave_last_out",
        kind: Concept,
        title: ["Leave last out", "留出最后一个"],
        formula: "",
        what: [
            "For every shopper, their last n interactions (by time) are the test set, as in RecBole; earlier events on the same items stay in training.",
            "对每位用户，取其按时间排序的最后 n 次交互作为测试集（与 RecBole 相同）；对同一物品更早的事件留在训练集中。",
        ],
        rewards: [
            "Every shopper is evaluated; common in papers (sequential recommendation).",
            "每位用户都会被评估；在论文中很常见（序列推荐）。",
        ],
        pitfalls: [
            "Shoppers' test events happen at different times, so training can contain other shoppers' future. A last interaction that repeats an earlier purchase counts only when repeats are allowed; otherwise that shopper is skipped.",
            "不同用户的测试事件发生在不同时间，训练集中可能包含其他用户的“未来”。若最后一次交互是重复购买，只有在允许重复时才计入，否则该用户被跳过。",
        ],
    },
    Entry {
        key: "random_split",
        kind: Concept,
        title: ["Random split", "随机划分"],
        formula: "",
        what: [
            "A fixed share of events, drawn by a shuffle with the seed, is the test set; the rest is training.",
            "用随机种子打乱后抽取固定比例的事件作为测试集，其余作为训练集。",
        ],
        rewards: [
            "Comparability with papers and tools that use it (e.g. RecBole's defaults).",
            "与使用这种划分的论文和工具（如 RecBole 的默认设置）可比。",
        ],
        pitfalls: [
            "Leaks the future into training and inflates every metric; do not use it to choose a model for a live shop.",
            "会把未来信息泄漏到训练集中并抬高所有指标；不要用它为真实商店挑选模型。",
        ],
    },
    Entry {
        key: "full_ranking",
        kind: Concept,
        title: ["Full ranking", "全量排序"],
        formula: "",
        what: [
            "Each shopper's test items are ranked against the whole catalog.",
            "每位用户的测试物品与整个目录中的所有物品一起排序。",
        ],
        rewards: [
            "Numbers that match what a shopper would see.",
            "与用户实际看到的情形一致的数字。",
        ],
        pitfalls: [
            "Slower than sampling, and numbers are lower than sampled ones; that is the honest value.",
            "比采样慢，数值也比采样评估低；但这才是真实的数值。",
        ],
    },
    Entry {
        key: "sampled_ranking",
        kind: Concept,
        title: ["Sampled ranking", "采样排序"],
        formula: "",
        what: [
            "Each test item is ranked only against N random negative items.",
            "每个测试物品只与 N 个随机负例一起排序。",
        ],
        rewards: [
            "Speed on huge catalogs; comparability with older papers.",
            "在超大目录上速度快；便于与早期论文比较。",
        ],
        pitfalls: [
            "Sampled metrics can rank models differently from full ranking (Krichene & Rendle 2020); prefer full ranking when you can.",
            "采样指标给出的模型排名可能与全量排序不同（Krichene & Rendle 2020）；能用全量排序时优先使用。",
        ],
    },
    Entry {
        key: "exclude_train",
        kind: Concept,
        title: [
            "Repeats: excluding training items or not",
            "复购：是否排除训练物品",
        ],
        formula: "repeat share = test pairs already in training / test pairs",
        what: [
            "By default an item the shopper already had in training is left out of their ranked list and of their test set (the test asks: which new items will they take?). The repeat protocol (untick \"exclude items the shopper already had\" on Train; --repeat on the command line) keeps those items as candidates and counts them as hits: the question becomes \"what will they buy again?\". Every run records the share of test pairs already seen in training.",
            "默认情况下，用户在训练集中已有的物品会从其排序列表和测试集中剔除（测试的问题是：他们会选择哪些新物品？）。复购协议（在“训练”页取消勾选“排除用户已有过交互的商品”；命令行用 --repeat）保留这些物品作为候选并计为命中：问题变成“他们会再买什么？”。每次运行都会记录测试对中已在训练中出现过的比例。",
        ],
        rewards: [
            "Default: discovery of new items. Repeat: buy-again shops such as groceries (Instacart re-orders half of its test pairs).",
            "默认：发现新物品。复购：生鲜等复购型商店（Instacart 一半的测试对是复购）。",
        ],
        pitfalls: [
            "Other tools differ: RecBole masks a shopper's history minus the test positives, so on repeat-heavy data it is told which seen items are positives and scores far higher. Compare figures only under the same protocol; check the repeat share first.",
            "不同工具做法不同：RecBole 屏蔽的是“历史减去测试正样本”，因此在复购多的数据上它等于被告知了哪些已见物品是正样本，分数会高得多。只在相同协议下比较数值；先看复购比例。",
        ],
    },
    Entry {
        key: "cold_shoppers",
        kind: Concept,
        title: ["Cold shoppers in evaluation", "评估中的冷启动用户"],
        formula: "",
        what: [
            "Shoppers with test events but no training events. A model that learns from history has nothing to go on, gives every item the same score, and the tie rule alone would pick their list. By default ShopLab ranks them by a named fallback (popularity) and reports them apart, so a model's means cover only shoppers it could score. On Train, \"Shoppers with no training events\" can instead put them in the means or let the model rank them (--cold fallback, --cold model on the command line).",
            "有测试事件但没有训练事件的用户。依赖历史的模型对他们毫无依据，所有物品得分相同，列表只能由同分规则决定。默认情况下 ShopLab 用一个明确的后备模型（热门）为他们排序并单独报告，因此模型的均值只覆盖它能打分的用户。在“训练”页，“没有训练事件的用户”一项可以改为把他们计入均值，或让模型自己排序（命令行用 --cold fallback、--cold model）。",
        ],
        rewards: [
            "Means that credit a model only for what it learned, and an honest count of shoppers it cannot serve.",
            "只因模型学到的东西而给它记分的均值，以及它无法服务的用户数量的如实统计。",
        ],
        pitfalls: [
            "A temporal split of a young shop can make most test shoppers cold (192 of 301 on MovieLens 100K): then the model's means rest on few shoppers. Always read the count beside the figure.",
            "新店铺按时间划分时，大多数测试用户可能都是冷启动用户（MovieLens 100K 上 301 个中有 192 个）：此时模型的均值只基于少数用户。务必同时查看人数。",
        ],
    },
    Entry {
        key: "judgments",
        kind: Concept,
        title: ["Search judgments", "搜索相关性标注"],
        formula: "",
        what: [
            "Graded labels saying how relevant an item is to a query (0 = not relevant).",
            "表示某物品与某查询相关程度的分级标签（0 = 不相关）。",
        ],
        rewards: [
            "Measuring search quality with NDCG, recall and MRR.",
            "用 NDCG、召回率和 MRR 衡量搜索质量。",
        ],
        pitfalls: [
            "Unjudged items count as not relevant, so a new ranker that finds unjudged good items is under-rated; judge its results too.",
            "未标注的物品被当作不相关，因此能找到未标注好物品的新排序器会被低估；也要标注它的结果。",
        ],
    },
    Entry {
        key: "derived_judgments",
        kind: Concept,
        title: ["Judgments derived from events", "从事件推导的标注"],
        formula: "",
        what: [
            "Searches followed by a click, cart or purchase of an item become graded judgments for that query.",
            "搜索之后对某物品的点击、加购或购买会成为该查询的分级标注。",
        ],
        rewards: [
            "Evaluating search without manual labels.",
            "无需人工标注即可评估搜索。",
        ],
        pitfalls: [
            "Biased towards what the old search showed (position bias): items never shown can never be judged relevant.",
            "偏向旧搜索展示过的结果（位置偏差）：从未展示的物品永远不会被判为相关。",
        ],
    },
    Entry {
        key: "relevance_grades",
        kind: Concept,
        title: ["Relevance threshold and gain", "相关性阈值与增益"],
        formula: "relevant ⇔ grade ≥ min_grade;  gain = ⌊grade⌋ | grade | 1",
        what: [
            "How graded judgments become relevance: which grade counts as relevant (recall, MRR, MAP) and how much each grade adds to NDCG. The default is trec_eval's reading: relevant from grade 1, gain = the whole part of the grade.",
            "分级标注如何变成相关性：多高的等级算相关（召回率、MRR、MAP），以及每个等级对 NDCG 贡献多少增益。默认与 trec_eval 的读法相同：等级 ≥ 1 为相关，增益取等级的整数部分。",
        ],
        rewards: [
            "Numbers that standard tools (trec_eval, pytrec_eval, ranx) reproduce from the exported qrels.",
            "标准工具（trec_eval、pytrec_eval、ranx）可以用导出的 qrels 复现的数值。",
        ],
        pitfalls: [
            "Rater means such as 1.67 are cut to 1 by trec_eval; counting every grade above 0 as relevant gives higher figures that no other tool reproduces. Always report the setting with the number.",
            "像 1.67 这样的评分均值会被 trec_eval 截为 1；把所有大于 0 的等级都算作相关会得到更高、但其他工具无法复现的数值。报告数值时务必注明所用设置。",
        ],
    },
    Entry {
        key: "ties",
        kind: Concept,
        title: ["Tied scores", "同分"],
        formula: "",
        what: [
            "Items with exactly the same score (popularity counts, BM25 on duplicate titles) still need an order. ShopLab puts the lower item index (catalog order) first, and writes TREC runs with strictly decreasing rank scores so other tools see the same order; raw scores go to run.scores.tsv.",
            "得分完全相同的物品（热门计数、重复标题上的 BM25）仍需排序。ShopLab 把物品序号（目录顺序）较小的排在前面，导出 TREC 结果时写入严格递减的名次分，使其他工具看到相同顺序；原始得分写在 run.scores.tsv。",
        ],
        rewards: [
            "Metrics that do not change between tools or between rebuilds of an index.",
            "在不同工具之间、索引重建前后都不变的指标。",
        ],
        pitfalls: [
            "A model must not be credited for tie order: a shopper for whom a model has no information gets all-equal scores, and the tie rule alone decides the list.",
            "不能因为同分的排序规则而给模型记功：模型对某用户毫无信息时所有得分相同，列表完全由同分规则决定。",
        ],
    },
    Entry {
        key: "field_weights",
        kind: Concept,
        title: ["Field boosts", "字段权重"],
        formula: "score = Σ_fields boost_f · BM25_f",
        what: [
            "How much a match in the title, description, brand, category or attributes counts.",
            "在标题、描述、品牌、类目或属性中匹配时各自的分量。",
        ],
        rewards: [
            "Catalogs where some fields are cleaner than others.",
            "某些字段比其他字段更干净的目录。",
        ],
        pitfalls: [
            "Tuned on few judged queries, boosts overfit; check them on held-out queries.",
            "只在少量已标注查询上调参会过拟合；需在留出的查询上验证。",
        ],
    },
    Entry {
        key: "cold_start",
        kind: Concept,
        title: ["Cold start", "冷启动"],
        formula: "",
        what: [
            "Shoppers or items with very few events (ShopLab counts fewer than 5 item events).",
            "事件非常少的用户或物品（ShopLab 统计少于 5 条物品事件的）。",
        ],
        rewards: [
            "Knowing where collaborative models cannot help and content or popularity must.",
            "了解协同过滤无能为力、必须依靠内容或热门推荐的地方。",
        ],
        pitfalls: [
            "Averages over all shoppers hide how badly cold shoppers are served.",
            "对所有用户取平均会掩盖冷启动用户体验有多差。",
        ],
    },
    Entry {
        key: "sparsity",
        kind: Concept,
        title: ["Sparsity", "稀疏度"],
        formula: "sparsity = 1 − distinct (shopper, item) pairs / (shoppers × items)",
        what: [
            "The share of the shopper × item matrix that is empty.",
            "用户 × 物品矩阵中空白部分所占的比例。",
        ],
        rewards: [
            "(Context) shop data is typically above 99.9% sparse.",
            "（背景）电商数据的稀疏度通常高于 99.9%。",
        ],
        pitfalls: [
            "Very sparse data favours simple models (popularity, item-kNN) over complex ones.",
            "非常稀疏的数据更有利于简单模型（热门、Item-kNN），而不是复杂模型。",
        ],
    },
    Entry {
        key: "repeat_share",
        kind: Concept,
        title: ["Repeat share", "重复物品占比"],
        formula: "repeat share = test (shopper, item) pairs the shopper already had in training / all test (shopper, item) pairs",
        what: [
            "How much of the test period is shoppers going back to items they already had. By default those pairs are left out of the test (a shopper with only such pairs is skipped); with \"exclude items the shopper already had\" unticked they stay candidates and count as hits.",
            "测试期中用户回到已有物品的程度。默认情况下这些配对会从测试中剔除（只有这类配对的用户会被跳过）；取消勾选“排除用户已有过交互的商品”后，它们仍是候选并计为命中。",
        ],
        rewards: [
            "(Context) Which question a run answers: near 0, finding new items; high (groceries re-order about half), buying again matters and keeping training items fits the shop.",
            "（背景）说明实验回答的是哪个问题：接近 0 时是发现新物品；较高时（生鲜约一半是复购），复购很重要，保留训练物品更符合商店实际。",
        ],
        pitfalls: [
            "A high repeat share with training items excluded means much of what shoppers did is not tested; compare runs only under the same protocol.",
            "复购占比高而又排除了训练物品，意味着用户的大部分行为没有被测试；只在相同协议下比较实验。",
        ],
    },
    Entry {
        key: "users_evaluated",
        kind: Concept,
        title: ["Shoppers evaluated", "参与评估的用户"],
        formula: "",
        what: [
            "The shoppers a run's averages are taken over: every shopper with test events who still has a test item to find. By default a shopper whose test items were all already in their training is skipped, and shoppers without training events (cold) are reported apart unless the run includes them.",
            "实验平均值所覆盖的用户：有测试事件且仍有测试物品待找到的每位用户。默认情况下，测试物品全部已在训练中出现过的用户会被跳过；没有训练事件的（冷启动）用户单独报告，除非实验把他们计入。",
        ],
        rewards: [
            "(Context) Read it beside every average: an average over a few dozen shoppers moves a lot from one run to the next.",
            "（背景）每个平均值都要结合人数看：只基于几十位用户的平均值在不同实验之间波动很大。",
        ],
        pitfalls: [
            "Runs with different splits or protocols average over different shoppers; their numbers are not directly comparable.",
            "划分方式或协议不同的实验，平均的是不同的用户；其数值不能直接比较。",
        ],
    },
    Entry {
        key: "data_health",
        kind: Concept,
        title: ["Data health figures", "数据概况指标"],
        formula: "",
        what: [
            "Items (the catalog, plus items that events name but the catalog lacks), shoppers, events by kind, distinct shopper–item pairs, sparsity, and cold shoppers and items (fewer than 5 events on items), with the time span of the events and the rows rejected at import.",
            "商品数（目录中的，加上事件中出现但目录里没有的）、用户数、各类事件数、不同的用户–商品对数、稀疏度，以及冷启动用户和商品（商品事件少于 5 条），还有事件的时间范围和导入时被拒绝的行。",
        ],
        rewards: [
            "(Context) Knowing what a model can learn: few events per shopper and many cold items favour popularity and content models.",
            "（背景）了解模型能学到什么：人均事件少、冷启动商品多时，热门推荐和基于内容的模型更有优势。",
        ],
        pitfalls: [
            "These counts include every event kind; a run counts only the kinds ticked in Train, and its split can make many test shoppers cold even when few are cold here.",
            "这些计数包含所有事件类型；实验只统计在“训练”页勾选的类型，而且划分后可能有很多测试用户是冷启动用户，即使这里很少。",
        ],
    },
    Entry {
        key: "event_kinds",
        kind: Concept,
        title: ["Event kinds", "事件类型"],
        formula: "",
        what: [
            "view (looked at a product page), click (clicked a product in a list or result), cart (added to cart), purchase (bought), search (ran a query), rating (gave a rating). A run counts the ticked kinds (all but search by default) as a shopper choosing an item, in training and in the test.",
            "view（浏览商品页面）、click（在列表或结果中点击商品）、cart（加入购物车）、purchase（购买）、search（进行搜索）、rating（评分）。实验把勾选的类型（默认除搜索外全部）算作用户选择了某物品，训练和测试都如此。",
        ],
        rewards: [
            "(Context) Purchases say most about taste; views are plentiful but noisy.",
            "（背景）购买最能反映口味；浏览数量多但噪声大。",
        ],
        pitfalls: [
            "The test uses the same kinds: with views ticked, models are scored on predicting browsing, not buying.",
            "测试使用相同的事件类型：勾选浏览后，模型被评价的是预测浏览而不是预测购买。",
        ],
    },
    Entry {
        key: "weighting",
        kind: Concept,
        title: ["Weighting of repeated events", "重复事件的加权"],
        formula: "binary: 1 · count: number of events · kind_weighted: sum of purchase 4, cart 2, others 1 · value: the event's value (the latest)",
        what: [
            "How a shopper's several events on one item become one number in the shopper × item table that item-kNN, user-kNN and EASE learn from (and in the shopper's history when scoring). Popularity and co-purchase count distinct shoppers whatever it says.",
            "用户对同一物品的多个事件如何合成用户 × 物品表中的一个数，供 Item-kNN、User-kNN 和 EASE 学习（打分时的用户历史也如此）。热门推荐和共同购买无论如何都按不同用户计数。",
        ],
        rewards: [
            "Binary (default) is the standard implicit-feedback protocol; counts and kind weights let repeat purchases, and purchases over views, weigh more.",
            "二值（默认）是标准的隐式反馈协议；按次数或按类型加权可以让复购、以及购买相对浏览，占更大的分量。",
        ],
        pitfalls: [
            "Counts let a few very active shoppers dominate the similarities; value only makes sense for ratings.",
            "按次数计会让少数非常活跃的用户主导相似度；按数值只对评分有意义。",
        ],
    },
    Entry {
        key: "confidence_interval",
        kind: Concept,
        title: ["Confidence interval", "置信区间"],
        formula: "mean ± 1.96 · standard deviation / √n  (95%, normal approximation)",
        what: [
            "A range that likely holds the true mean metric given the shoppers sampled.",
            "在给定用户样本下，很可能包含真实平均指标的区间。",
        ],
        rewards: [
            "Telling real differences from noise.",
            "区分真实差异与噪声。",
        ],
        pitfalls: [
            "Overlapping intervals do not mean \"no difference\": two runs on the same shoppers are paired, and a paired test (per-shopper differences) is far more sensitive.",
            "区间重叠并不意味着“没有差异”：同一批用户上的两次实验是配对的，配对检验（逐用户差值）要灵敏得多。",
        ],
    },
    Entry {
        key: "paired_test",
        kind: Concept,
        title: ["Paired comparison of two runs", "两个实验的配对比较"],
        formula: "d_u = metric_B(u) − metric_A(u) for every shopper u;  report mean(d), its 95% bootstrap interval, and p",
        what: [
            "Both runs were scored on the same shoppers, so compare them shopper by shopper: the per-shopper differences remove how hard each shopper is, and what is left is the runs' difference. The interval resamples shoppers 10,000 times; the randomisation test flips the sign of each difference at random 10,000 times and asks how often a mean as far from 0 appears when the runs are exchangeable. Try it on the demo shop: tick ease and item_knn on Compare and press \"Test against the baseline\".",
            "两个实验在同一批用户上评估，因此逐个用户比较：逐用户差值消除了每个用户本身的难易，剩下的就是实验之间的差异。区间对用户重抽样 10,000 次；随机化检验对每个差值随机翻转符号 10,000 次，看在两个实验可互换时，离 0 这么远的均值出现得多频繁。在演示商店上试试：在“对比”中勾选 ease 和 item_knn，然后按“与基准比较检验”。",
        ],
        rewards: [
            "An answer to \"is B really better than A on these shoppers, and by how much?\" that is far more sensitive than comparing two means with their own intervals.",
            "回答“在这些用户上 B 真的比 A 好吗？好多少？”，比各自带区间的两个均值比较灵敏得多。",
        ],
        pitfalls: [
            "It only speaks for shoppers like these, under this split and protocol; runs on another split cannot be paired (ShopLab refuses). A tiny but significant difference may not matter to a shop: read the interval, not only p.",
            "结论只适用于类似的用户、这种划分和评估方式；不同划分上的实验不能配对（ShopLab 会拒绝）。很小但显著的差异对商店未必重要：要看区间，而不只是 p。",
        ],
    },
    Entry {
        key: "t_test",
        kind: Concept,
        title: [
            "Paired t-test and Wilcoxon signed-rank test",
            "配对 t 检验与 Wilcoxon 符号秩检验",
        ],
        formula: "t = mean(d) / (sd(d) / √n), n − 1 degrees of freedom;  Wilcoxon: W = smaller rank sum of the positive and negative |d|",
        what: [
            "Two classic tests of the same question. The t-test assumes the mean difference is roughly normal (true for hundreds of shoppers); Wilcoxon uses only the ranks of the differences, so a few extreme shoppers weigh less. Shoppers with a difference of exactly 0 drop out of Wilcoxon.",
            "回答同一问题的两种经典检验。t 检验假设平均差值近似正态（几百个用户时成立）；Wilcoxon 只用差值的秩，因此少数极端用户的权重更小。差值恰为 0 的用户不参与 Wilcoxon。",
        ],
        rewards: [
            "Agreement: when the randomisation test, t and Wilcoxon all say the same, the verdict is robust.",
            "一致性：当随机化检验、t 检验和 Wilcoxon 结论相同，结论就很稳健。",
        ],
        pitfalls: [
            "Metrics such as NDCG@10 are 0 for many shoppers: many ties. ShopLab's values are checked against SciPy, but with fewer than about 30 shoppers no test can see much.",
            "NDCG@10 等指标对很多用户为 0：大量并列。ShopLab 的数值与 SciPy 核对过，但用户少于约 30 个时任何检验都看不出多少。",
        ],
    },
    Entry {
        key: "holm",
        kind: Concept,
        title: [
            "Holm's correction for several challengers",
            "多个挑战者的 Holm 校正",
        ],
        formula: "sort p ascending; p'_(i) = max over j ≤ i of min(1, (m − j + 1) · p_(j))",
        what: [
            "Testing m challengers against one baseline gives m chances of a false \"better\". Holm's method raises each p-value just enough that the chance of any false finding stays at alpha (0.05), and never lowers one.",
            "把 m 个挑战者与同一个基准比较，就有 m 次误判“更好”的机会。Holm 方法把每个 p 值提高到恰好使出现任何误判的概率保持在 alpha（0.05），并且从不降低 p 值。",
        ],
        rewards: [
            "Verdicts you can still trust after comparing many runs at once.",
            "一次比较很多实验之后仍然可信的结论。",
        ],
        pitfalls: [
            "ShopLab adjusts across challengers, per metric and segment; looking at many metrics and segments and reporting the one that is \"better\" is the same trap: treat such a finding as a lead to test on new data.",
            "ShopLab 按指标和分组在挑战者之间校正；看很多指标和分组、只报告“更好”的那个，是同样的陷阱：把这样的发现当作线索，在新数据上再检验。",
        ],
    },
    Entry {
        key: "effect_size",
        kind: Concept,
        title: [
            "Effect size, lift and wins / ties / losses",
            "效应量、相对提升与胜/平/负",
        ],
        formula: "d_z = mean(d) / sd(d);  lift = mean(d) / mean_A;  wins = #(d > 0), losses = #(d < 0)",
        what: [
            "How big the difference is, as opposed to whether it is real: d_z in standard deviations of the per-shopper differences (0.2 small, 0.5 medium), lift relative to the baseline, and how many shoppers each run serves better.",
            "差异有多大，而不是差异是否真实：d_z 以逐用户差值的标准差为单位（0.2 小，0.5 中），相对提升相对于基准，以及每个实验为多少用户服务得更好。",
        ],
        rewards: [
            "Seeing a significant 0.3% lift for what it is, and a change that helps most shoppers but hurts a few.",
            "看清显著但只有 0.3% 的提升，以及帮助大多数用户却损害少数用户的改变。",
        ],
        pitfalls: [
            "Many ties (both 0) are normal for top-10 metrics; the shoppers most helped and hurt, listed under the table, show who is behind the numbers.",
            "前 10 指标出现大量并列（都为 0）是正常的；表格下方列出的受益和受损最多的用户说明了数字背后是谁。",
        ],
    },
    Entry {
        key: "tuning_on_test",
        kind: Concept,
        title: [
            "Why settings are never tuned on the test split",
            "为什么不能在测试集上调参",
        ],
        formula: "",
        what: [
            "Choosing a model's settings, or the weights of a fused model, by their test score makes the test score part of training: the choice fits the test shoppers' quirks and the reported number is optimistic. ShopLab tunes on the validation part of the split (--valid-fraction) and reports on the test part, which no choice has seen.",
            "按测试分数选择模型设置或融合模型的权重，会让测试分数成为训练的一部分：选择迎合了测试用户的特点，报告的数字偏乐观。ShopLab 在划分的验证部分（--valid-fraction）上调参，在任何选择都没见过的测试部分上报告。",
        ],
        rewards: [
            "Numbers that hold for the next shoppers, not only the ones you measured.",
            "对下一批用户也成立的数字，而不只是对已测量的用户。",
        ],
        pitfalls: [
            "Trying many settings and keeping the best test score is tuning on the test split too, even by hand; so is picking the best of many runs in Compare and calling it significant.",
            "尝试许多设置并保留测试分数最好的那个，即使是手工，也是在测试集上调参；在“对比”中从许多实验里挑最好的并称其显著，也是如此。",
        ],
    },
    Entry {
        key: "fusion",
        kind: Concept,
        title: ["Fusing models", "模型融合"],
        formula: "fused(i) = Σ_m w_m · norm_m(score_m(i));  CombMNZ × #members listing i;  RRF: Σ_m w_m / (k + rank_m(i))",
        what: [
            "A fused run scores every item with each member run, puts each member's scores on one scale (min-max, z-score or rank), and adds them with weights. The weights are chosen on the validation split, which the members never trained on; the test split then says whether the fusion beats each member, paired per shopper with Holm's adjustment. In the demo shop EASE (what shoppers chose together) and the content model (what the catalogue says) fuse into a run better than either.",
            "融合实验用每个成员实验为所有商品打分，把每个成员的分数放到同一尺度（最小-最大、z 分数或排名），再加权相加。权重在成员从未训练过的验证部分上选择；然后由测试部分逐用户配对并经 Holm 校正，判断融合是否胜过每个成员。在演示商店中，EASE（用户一起选择了什么）与内容模型（商品目录说了什么）融合后比任一单独模型都好。",
        ],
        rewards: [
            "Members that are right about different shoppers or items: a collaborative model with a text model, a sequential model with a popularity prior.",
            "在不同用户或商品上各有所长的成员：协同模型配文本模型，序列模型配流行度先验。",
        ],
        pitfalls: [
            "Weights tuned on the test split report an optimistic fusion (see tuning on the test split); two members that rank alike gain little; every member scores each shopper, so the fusion is as slow as its members together.",
            "在测试集上调出的权重会报告偏乐观的融合效果（见“在测试集上调参”）；排序相似的两个成员收获很少；每个成员都要为每位用户打分，所以融合的耗时等于所有成员之和。",
        ],
    },
    Entry {
        key: "pareto_front",
        kind: Concept,
        title: ["Quality-vs-latency Pareto front", "质量-响应时间帕累托前沿"],
        formula: "run A dominates B when quality_A ≥ quality_B and p99_A ≤ p99_B, one of them strictly",
        what: [
            "The runs no other run dominates: each is the best quality for its speed. A shop picks along the front according to the time it can spend per request.",
            "没有被其他实验支配的实验：每一个都是在其速度下质量最好的。商店按每个请求能花的时间沿前沿选择。",
        ],
        rewards: [
            "Dropping runs that are both slower and worse at once.",
            "一次性排除既慢又差的实验。",
        ],
        pitfalls: [
            "Latency is measured on this machine while it evaluated; compare runs timed on the same machine, and check quality differences with the paired test, not by eye.",
            "响应时间是在本机评估时测得的；只比较在同一台机器上计时的实验，质量差异要用配对检验而不是目测。",
        ],
    },
];

/// The entry for a key; metric keys may carry a cut-off ("ndcg@10" finds
/// "ndcg"), Compare labels open their concept (`p95_us` → latency) and Data
/// figures theirs (`data.cold_users` → cold start).
pub fn entry(key: &str) -> Option<&'static Entry> {
    let key = key.trim().to_lowercase();
    let base = key.split('@').next().unwrap_or_default();
    let base = match base {
        "hit_rate" | "hr" => "hit",
        "p50_us" | "p95_us" | "p99_us" | "latency_p50" | "latency_p95" | "latency_p99" | "p50"
        | "p95" | "p99" => "latency",
        "arp" => "popularity_bias",
        "train_s" | "eval_s" | "train" | "eval" => "train_time",
        // Compare's data columns open the concept they count.
        "users" => "users_evaluated",
        "cold_users" | "cold" => "cold_shoppers",
        "repeats" => "repeat_share",
        // The Data view's figures (`data.cold_users`) open what the words say.
        data if data.starts_with("data.") => crate::words::learn_key(data)?,
        other => other,
    };
    ENTRIES.iter().find(|e| e.key == base)
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: [&str; 41] = [
        "precision",
        "recall",
        "f1",
        "hit",
        "mrr",
        "map",
        "ndcg",
        "auc",
        "coverage",
        "diversity",
        "novelty",
        "popularity_bias",
        "latency",
        "train_time",
        "popularity",
        "item_knn",
        "user_knn",
        "ease",
        "co_purchase",
        "content",
        "bm25",
        "temporal_split",
        "leave_last_out",
        "random_split",
        "full_ranking",
        "sampled_ranking",
        "exclude_train",
        "judgments",
        "derived_judgments",
        "field_weights",
        "cold_start",
        "sparsity",
        "confidence_interval",
        "relevance_grades",
        "ties",
        "cold_shoppers",
        "repeat_share",
        "users_evaluated",
        "data_health",
        "event_kinds",
        "weighting",
    ];

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    #[test]
    fn every_required_key_is_there_once_with_both_languages() {
        let mut keys: Vec<&str> = ENTRIES.iter().map(|e| e.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), ENTRIES.len(), "duplicate keys");
        for k in REQUIRED {
            assert!(entry(k).is_some(), "missing {k}");
        }
        for e in ENTRIES {
            assert!(
                e.kind == Kind::Concept || !e.formula.is_empty(),
                "{} has no formula",
                e.key
            );
            for [en, zh] in [e.title, e.what, e.rewards, e.pitfalls] {
                assert!(!en.is_empty() && !zh.is_empty(), "{}", e.key);
                assert!(has_cjk(zh) || zh == en, "{}: {zh}", e.key);
            }
        }
    }

    #[test]
    fn keys_with_cut_offs_and_aliases_resolve() {
        let key = |k: &str| entry(k).map(|e| e.key);
        assert_eq!(key("NDCG@10"), Some("ndcg"));
        assert_eq!(key("hr"), Some("hit"));
        assert_eq!(key("p95_us"), Some("latency"));
        assert_eq!(key("arp"), Some("popularity_bias"));
        assert_eq!(key("train_s"), Some("train_time"));
        assert_eq!(key("cold_users"), Some("cold_shoppers"));
        assert_eq!(key("users"), Some("users_evaluated"));
        assert_eq!(key("repeat_share"), Some("repeat_share"));
        assert_eq!(key("nonsense"), None);
    }
}
