//! Plain words beside precise names: shop owners read "found in top 10",
//! researchers read "recall@10", and both appear wherever a metric, column,
//! model, parameter or event kind is shown, with the Learn entry one click
//! away. Precise names stay as typed (CLI flags, JSON keys, file columns).
//!
//! # The rule for identifiers
//!
//! Every name a person reads is a plain name in the interface language,
//! followed by the precise identifier in parentheses, because every
//! identifier here is something a person types (a model or parameter name in
//! the CLI and run specs, a column label in `--columns`, an event kind in a
//! data file). The identifier is left out only where the plain name already
//! is the identifier (English `view`, `purchase`). So in English
//! `model("item_knn")` is "similar items (item_knn)" and
//! `event_kind("view")` is "view"; in 中文 they are "相似物品 (item_knn)" and
//! "浏览 (view)". `header("recall@10")` is "found in top 10 (recall@10)" /
//! "前 10 个中找到 (recall@10)": metric names carry a `K` that headers fill in.
//!
//! # Keys
//!
//! [`plain`] and [`term`] take: ranking metrics (`recall`, `ndcg`, or with a
//! cut-off, `recall@10`), every Compare column label (`auc`, `p95_us`,
//! `train_s`, `users`, `cold_users`, `repeat_share`…, and the aliases
//! `Column::from_str` accepts), model names, Learn entry keys, and the Data
//! view's health figures as `data.<StoreStats field>` (`data.sparsity`,
//! `data.cold_users`). The prefix matters: `cold_users` and `users` alone are
//! the Compare columns (shoppers without training events; shoppers in the
//! means), while `data.cold_users` and `data.users` are the store's counts
//! (shoppers with fewer than 5 item events; all shoppers). Data figures no
//! other table uses (`sparsity`, `cold_items`, `events`) also resolve
//! without the prefix.

use std::str::FromStr;

use eframe::egui::{self, RichText};
use shoplab_engine::compare::Column;

use crate::command::Command;
use crate::i18n::Lang;

/// A plain name and a one-line meaning, in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plain {
    /// A few words a shop owner understands ("found in top K").
    pub name: &'static str,
    /// One line on what it means.
    pub meaning: &'static str,
}

/// One precise term: its key, the Learn entry it opens, and its plain name
/// and meaning as [English, 简体中文].
#[derive(Debug)]
struct Row {
    key: &'static str,
    learn: &'static str,
    name: [&'static str; 2],
    meaning: [&'static str; 2],
}

const fn row(
    key: &'static str,
    learn: &'static str,
    name: [&'static str; 2],
    meaning: [&'static str; 2],
) -> Row {
    Row {
        key,
        learn,
        name,
        meaning,
    }
}

impl Row {
    fn plain(&self, lang: Lang) -> Plain {
        Plain {
            name: self.name[lang.index()],
            meaning: self.meaning[lang.index()],
        }
    }
}

/// Ranking metrics at a cut-off (`engine::metrics`); `K` in a name is the
/// cut-off, filled in by [`header`]. "Right items" are a shopper's test
/// items (what they took in the test period) or a query's relevant items.
const METRICS: &[Row] = &[
    row(
        "precision",
        "precision",
        ["share of top K that is right", "前 K 个中正确的比例"],
        [
            "Share of the first K places that hold a right item (the shopper's later pick, or an item relevant to the query); divided by K even when there are fewer right items.",
            "前 K 个位置中放着正确物品（用户后来选择的物品，或与查询相关的物品）的比例；即使正确物品少于 K 个也除以 K。",
        ],
    ),
    row(
        "recall",
        "recall",
        ["found in top K", "前 K 个中找到"],
        [
            "Share of the right items (what the shopper took later, or what is relevant to the query) that appear in the first K.",
            "正确物品（用户后来选择的，或与查询相关的）中出现在前 K 个里的比例。",
        ],
    ),
    row(
        "f1",
        "f1",
        [
            "balance of found and right, top K",
            "前 K 个中找到与正确的平衡",
        ],
        [
            "Harmonic mean of precision@K and recall@K: high only when both are.",
            "precision@K 与 recall@K 的调和平均：两者都高时才高。",
        ],
    ),
    row(
        "hit",
        "hit",
        ["any right item in top K", "前 K 个中至少命中一个"],
        [
            "Share of shoppers (or queries) with at least one right item in the first K.",
            "前 K 个中至少有一个正确物品的用户（或查询）所占比例。",
        ],
    ),
    row(
        "mrr",
        "mrr",
        [
            "first right item's place, top K",
            "前 K 个中首个正确物品的位置",
        ],
        [
            "1 ÷ the place of the first right item within the first K (1 = first place, 0.5 = second, 0 = none), averaged.",
            "前 K 个中第一个正确物品所在位置的倒数（第 1 位 = 1，第 2 位 = 0.5，没有 = 0），再取平均。",
        ],
    ),
    row(
        "map",
        "map",
        ["right items early in top K", "前 K 个中正确物品靠前的程度"],
        [
            "Precision at each place within the first K that holds a right item, summed and divided by the number of right items, averaged.",
            "在前 K 个中每个放着正确物品的位置计算精确率，求和后除以正确物品总数，再取平均。",
        ],
    ),
    row(
        "ndcg",
        "ndcg",
        ["order quality of top K", "前 K 个的排序质量"],
        [
            "Right items count more the higher they sit (and the more relevant they are), divided by the best possible order: 1 = perfect.",
            "正确物品排得越靠前（且越相关）得分越高，再除以最佳排序的得分：1 = 完美。",
        ],
    ),
];

/// Compare columns other than `metric@K` (`engine::compare::Column::label`).
const COLUMNS: &[Row] = &[
    row(
        "auc",
        "auc",
        ["ranked above the rest", "排在其余物品之前"],
        [
            "How often a right item is ranked above an item the shopper did not take, over the whole catalog (or the sampled items): 0.5 = chance, 1 = always; ties count half.",
            "正确物品排在用户没有选择的物品之前的频率，在整个目录（或采样的物品）上计算：0.5 = 随机，1 = 总是；同分算一半。",
        ],
    ),
    row(
        "coverage",
        "coverage",
        ["share of the catalog recommended", "被推荐到的商品占比"],
        [
            "Distinct items in any evaluated shopper's list (at the largest K), divided by all items in the catalog.",
            "所有参与评估用户的推荐列表（最大 K）中出现过的不同商品数，除以目录中的商品总数。",
        ],
    ),
    row(
        "diversity",
        "diversity",
        ["variety within a list", "列表内的多样性"],
        [
            "Share of item pairs in one list (at the largest K) from different categories, averaged over lists; empty when items have no categories.",
            "同一列表（最大 K）中来自不同类目的物品对所占比例，对所有列表取平均；商品没有类目时为空。",
        ],
    ),
    row(
        "novelty",
        "novelty",
        ["how unexpected the picks are", "推荐的新颖程度"],
        [
            "Average surprise of recommended items, in bits: −log₂(share of training shoppers who had the item). Higher means less popular items.",
            "推荐物品的平均信息量（比特）：−log₂（在训练中接触过该物品的用户占比）。越高表示推荐的物品越冷门。",
        ],
    ),
    row(
        "popularity_bias",
        "popularity_bias",
        ["how popular the picks are", "推荐物品的热门程度"],
        [
            "Average number of training shoppers who had each recommended item (ARP). Lower means less leaning towards best sellers.",
            "每个推荐物品在训练中被多少用户接触过的平均值（ARP）。越低表示越少偏向畅销品。",
        ],
    ),
    row(
        "train_s",
        "train_time",
        ["seconds to train", "训练用时（秒）"],
        [
            "Wall-clock seconds spent fitting the model on the training part.",
            "在训练集上拟合模型所花的实际秒数。",
        ],
    ),
    row(
        "eval_s",
        "train_time",
        ["seconds to evaluate", "评估用时（秒）"],
        [
            "Wall-clock seconds spent ranking for every evaluated shopper and computing the metrics.",
            "为每位参与评估的用户排序并计算指标所花的实际秒数。",
        ],
    ),
    row(
        "p50_us",
        "latency",
        ["answer time, half of requests", "半数请求的响应时间"],
        [
            "Median time to answer one request (one shopper's list, or one search), in microseconds (µs, millionths of a second): half the requests were faster.",
            "回答一次请求（一位用户的推荐列表，或一次搜索）的中位时间，单位微秒（µs，百万分之一秒）：一半请求比它快。",
        ],
    ),
    row(
        "p95_us",
        "latency",
        ["answer time, 95% of requests", "95% 请求的响应时间"],
        [
            "95% of requests (one shopper's list, or one search) were answered within this many microseconds (µs, millionths of a second).",
            "95% 的请求（一位用户的推荐列表，或一次搜索）在这么多微秒（µs，百万分之一秒）内得到回答。",
        ],
    ),
    row(
        "p99_us",
        "latency",
        ["answer time, 99% of requests", "99% 请求的响应时间"],
        [
            "99% of requests (one shopper's list, or one search) were answered within this many microseconds (µs, millionths of a second): the slow tail.",
            "99% 的请求（一位用户的推荐列表，或一次搜索）在这么多微秒（µs，百万分之一秒）内得到回答：即最慢的尾部。",
        ],
    ),
    row(
        "users",
        "users_evaluated",
        ["shoppers in the averages", "计入平均的用户数"],
        [
            "Shoppers with test items whose results make up the averages; cold shoppers reported apart are not among them.",
            "有测试物品、其结果构成平均值的用户数；单独报告的冷启动用户不在其中。",
        ],
    ),
    row(
        "cold_users",
        "cold_shoppers",
        ["shoppers without history", "无历史的用户数"],
        [
            "Shoppers with test items but no training events: no history to learn from. The run's protocol line says how they were ranked.",
            "有测试物品但没有训练事件的用户：没有可供学习的历史。实验的协议说明写明了他们是如何被排序的。",
        ],
    ),
    row(
        "repeat_share",
        "repeat_share",
        ["share of repeats", "重复物品占比"],
        [
            "Share of test (shopper, item) pairs the shopper already had in training: high in buy-again shops such as groceries.",
            "测试集中（用户，物品）对里用户在训练中已经有过的比例：在生鲜等复购型商店中较高。",
        ],
    ),
];

/// Recommenders (`engine::recommend::MODEL_NAMES`) and search rankers.
const MODELS: &[Row] = &[
    row(
        "popularity",
        "popularity",
        ["most popular", "最热门"],
        [
            "The items most shoppers chose (optionally only recently); the same list for everyone.",
            "被最多用户选择的物品（可只看最近）；所有人看到同一个列表。",
        ],
    ),
    row(
        "item_knn",
        "item_knn",
        ["similar items", "相似物品"],
        [
            "Items chosen by the same shoppers as the items this shopper chose.",
            "与该用户选过的物品被同一批用户选择的物品。",
        ],
    ),
    row(
        "user_knn",
        "user_knn",
        ["similar shoppers", "相似用户"],
        [
            "What the shoppers whose history looks most like this shopper's chose.",
            "历史与该用户最相像的那些用户所选择的物品。",
        ],
    ),
    row(
        "ease",
        "ease",
        ["learned item links", "学习到的物品关联"],
        [
            "Learns in one step how much each item predicts every other item (EASE, Steck 2019).",
            "一步学出每个物品对其他每个物品的预测程度（EASE，Steck 2019）。",
        ],
    ),
    row(
        "co_purchase",
        "co_purchase",
        ["bought together", "经常一起买"],
        [
            "Items other shoppers bought within a short time of the items this shopper took last.",
            "其他用户在短时间内与该用户最近所选物品一起购买的物品。",
        ],
    ),
    row(
        "content",
        "content",
        ["similar descriptions", "描述相似"],
        [
            "Items whose title, brand and category read like those the shopper chose, through the search index; also finds brand-new items.",
            "通过搜索索引找出标题、品牌和类目与用户所选物品相似的物品；也能推荐全新商品。",
        ],
    ),
    row(
        "bm25",
        "bm25",
        ["keyword search", "关键词搜索"],
        [
            "Ranks items by how well their text matches the query's words, rare words counting more (BM25).",
            "按商品文本与查询词的匹配程度排序，越少见的词分量越重（BM25）。",
        ],
    ),
    row(
        "dense",
        "dense",
        ["meaning search", "语义搜索"],
        [
            "Ranks items by how close their text's meaning is to the query's, from a sentence model (MiniLM) run on this computer, so \"couch\" also finds sofas.",
            "用本机运行的句子模型（MiniLM）比较商品文本与查询的意思，按接近程度排序，所以用词不同但意思相同的商品也能找到。",
        ],
    ),
    row(
        "hybrid",
        "hybrid",
        ["keyword + meaning search", "关键词 + 语义搜索"],
        [
            "Combines keyword search (BM25) and meaning search (dense) into one list: items both rank high come first.",
            "把关键词搜索（BM25）和语义搜索（dense）合成一个列表：两者都排得靠前的商品排在最前。",
        ],
    ),
    row(
        "learned",
        "learned",
        ["learned re-ranking", "学习式重排序"],
        [
            "Takes keyword and meaning search's top items and orders them with a model trained on half of the judged queries: their scores, ranks and whether the title, brand and category hold the query's words.",
            "取关键词搜索和语义搜索的前列商品，用在一半已评判查询上训练的模型重新排序：依据两者的分数、名次，以及标题、品牌、类目是否含有查询词。",
        ],
    ),
];

/// Learned models (`shoplab-models`, trained in epochs). Apart from
/// [`MODELS`] because they have no Learn entry yet (`learn` is empty: no
/// "?" button); a model that gains one gets its key here.
const LEARNED_MODELS: &[Row] = &[
    row(
        "bpr",
        "",
        ["learned tastes, pairwise", "成对学习的口味"],
        [
            "Learns a taste vector per shopper and per item so that chosen items outscore unchosen ones (BPR matrix factorisation).",
            "为每位用户和每个物品学习一个口味向量，使选过的物品得分高于没选过的（BPR 矩阵分解）。",
        ],
    ),
    row(
        "neumf",
        "",
        ["neural tastes", "神经网络口味"],
        [
            "A neural network combining a matrix-factorisation part with a multi-layer perceptron over shopper and item vectors (NeuMF).",
            "把矩阵分解部分与多层感知机结合起来、作用于用户和物品向量的神经网络（NeuMF）。",
        ],
    ),
    row(
        "ials",
        "",
        ["learned tastes, repeats count", "按重复次数学习的口味"],
        [
            "Factorises the shopper x item matrix, trusting repeated interactions more (implicit ALS with confidence weighting).",
            "分解用户 x 物品矩阵，越是重复的交互越被信任（带置信度加权的隐式 ALS）。",
        ],
    ),
    row(
        "gru4rec",
        "",
        ["what next, recurrent", "循环网络预测下一个"],
        [
            "Reads the shopper's items in time order with a recurrent network and predicts what comes next (GRU4Rec).",
            "用循环神经网络按时间顺序读取用户的物品，预测下一个会选什么（GRU4Rec）。",
        ],
    ),
    row(
        "sasrec",
        "",
        ["what next, attention", "注意力预测下一个"],
        [
            "Reads the shopper's items in time order with self-attention and predicts what comes next (SASRec).",
            "用自注意力按时间顺序读取用户的物品，预测下一个会选什么（SASRec）。",
        ],
    ),
    row(
        "two_tower",
        "",
        ["tastes and descriptions", "口味与描述"],
        [
            "Learns item vectors from item ids and their title, brand and category, so new items with no events are recommended too (two-tower).",
            "从物品 id 及其标题、品牌和类目学习物品向量，没有事件的新物品也能被推荐（双塔模型）。",
        ],
    ),
];

/// Parameters of learned models, read for a learned model before
/// [`PARAMS`] (`batch_size` and `seed` mean something else there). Every
/// parameter of every model in `ModelSpec::learned_defaults()` needs a row
/// (the words test iterates them); `learn` is empty until Learn has entries.
const LEARNED_PARAMS: &[Row] = &[
    row(
        "embedding_size",
        "",
        ["taste vector length", "口味向量长度"],
        [
            "How many numbers describe each shopper's and each item's taste; more can capture more, but train slower and overfit sooner.",
            "用多少个数描述每位用户和每个物品的口味；越多越能表达细节，但训练更慢、更易过拟合。",
        ],
    ),
    row(
        "mf_embedding_size",
        "",
        ["taste vector length, MF part", "矩阵分解部分的口味向量长度"],
        [
            "Length of the shopper and item vectors of the matrix-factorisation (GMF) part.",
            "矩阵分解（GMF）部分中用户和物品向量的长度。",
        ],
    ),
    row(
        "mlp_embedding_size",
        "",
        [
            "taste vector length, network part",
            "网络部分的口味向量长度",
        ],
        [
            "Length of the shopper and item vectors fed to the multi-layer perceptron.",
            "输入多层感知机的用户和物品向量的长度。",
        ],
    ),
    row(
        "mlp_hidden_size",
        "",
        ["network layer widths", "网络各层宽度"],
        [
            "Widths of the perceptron's hidden layers, first to last, written like 128, 64.",
            "多层感知机各隐藏层的宽度，从前到后，写作 128, 64。",
        ],
    ),
    row(
        "dropout_prob",
        "",
        ["share switched off in training", "训练时随机关闭的比例"],
        [
            "Share of the network's values dropped at random in each training step, so it does not learn the training data by heart (0: none).",
            "每个训练步骤中随机丢弃的网络数值比例，防止死记训练数据（0：不丢弃）。",
        ],
    ),
    row(
        "epochs",
        "",
        ["passes over the data", "训练轮数"],
        [
            "How many times training goes through every training pair; with a validation share it may stop earlier.",
            "训练遍历所有训练样本的次数；有验证集时可能提前停止。",
        ],
    ),
    row(
        "batch_size",
        "",
        ["pairs per step", "每步样本数"],
        [
            "Training pairs (shopper, chosen item) per update of the model; larger is faster per epoch but learns less per pass.",
            "每次更新模型所用的训练样本（用户，所选物品）数；越大每轮越快，但每轮学到的越少。",
        ],
    ),
    row(
        "learning_rate",
        "",
        ["step size", "学习率"],
        [
            "How far each update moves the model; too large and the loss jumps about, too small and it learns slowly.",
            "每次更新让模型移动多远；太大损失会来回跳动，太小学得很慢。",
        ],
    ),
    row(
        "optimizer",
        "",
        ["update rule", "优化器"],
        [
            "How updates are made: adam (adaptive steps), adamw (adam with decoupled weight decay) or sgd (plain steps).",
            "如何更新模型：adam（自适应步长）、adamw（权重衰减解耦的 adam）或 sgd（普通梯度下降）。",
        ],
    ),
    row(
        "weight_decay",
        "",
        ["pull towards zero", "权重衰减"],
        [
            "How strongly the model's numbers are pulled towards zero each step, against overfitting (0: not at all).",
            "每一步把模型参数拉向零的力度，用于防止过拟合（0：不拉）。",
        ],
    ),
    row(
        "lr_schedule",
        "",
        ["step size over time", "学习率变化方式"],
        [
            "How the step size changes over the epochs: constant, cosine (down to 0 at the end) or step (cut every few epochs).",
            "学习率随轮次如何变化：constant（不变）、cosine（到最后降为 0）或 step（每隔几轮降低）。",
        ],
    ),
    row(
        "lr_step_epochs",
        "",
        ["epochs between cuts", "每次降低间隔的轮数"],
        [
            "With the step schedule: how many epochs pass between two cuts of the step size.",
            "使用 step 方式时：学习率两次降低之间相隔多少轮。",
        ],
    ),
    row(
        "lr_gamma",
        "",
        ["cut factor", "降低倍数"],
        [
            "With the step schedule: the step size is multiplied by this at each cut (0.5 halves it).",
            "使用 step 方式时：每次降低时学习率乘以这个数（0.5 即减半）。",
        ],
    ),
    row(
        "patience",
        "",
        ["patience", "耐心轮数"],
        [
            "Validations without improvement before training stops early and keeps the best epoch (0: never stop early).",
            "验证指标连续多少次没有提升就提前停止，并保留最好的那一轮（0：从不提前停止）。",
        ],
    ),
    row(
        "validate_every",
        "",
        ["validate every N epochs", "每隔几轮验证"],
        [
            "Measure the validation share every this many epochs, for the curve and early stopping (0: never).",
            "每隔这么多轮在验证集上测一次，用于曲线和提前停止（0：从不验证）。",
        ],
    ),
    row(
        "negatives",
        "",
        ["unchosen items per pair", "每个样本的负样本数"],
        [
            "Items the shopper did not choose, drawn at random for each chosen one, that the model learns to rank lower.",
            "为每个选过的物品随机抽取的、用户没选过的物品数，模型学着把它们排得更低。",
        ],
    ),
    row(
        "seed",
        "",
        ["random seed", "随机种子"],
        [
            "Seed of the starting values, shuffling, unchosen items and dropout: the same seed trains the same model.",
            "初始值、打乱顺序、负样本和 dropout 的种子：相同的种子训练出相同的模型。",
        ],
    ),
    row(
        "loss_type",
        "",
        ["training loss", "训练损失"],
        [
            "What training minimises: ce scores every item for each next step (exact, slower on big catalogs); bpr compares the true next item with one random item.",
            "训练所最小化的目标：ce 对每一步的所有物品打分（精确，目录大时较慢）；bpr 只把真实的下一个物品与一个随机物品比较。",
        ],
    ),
    row(
        "examples",
        "",
        ["training examples", "训练样本"],
        [
            "How the shoppers' sequences are cut for training: windows (each position predicts the next item; much faster) or prefixes (every prefix is one example, as RecBole does; slower, for comparisons).",
            "训练时如何切分用户的序列：windows（每个位置预测下一个物品，快得多）或 prefixes（每个前缀是一个样本，与 RecBole 相同；较慢，用于对比）。",
        ],
    ),
    row(
        "hidden_size",
        "",
        ["hidden state size", "隐藏状态大小"],
        [
            "How many numbers the network keeps about the sequence read so far at each step; larger can remember more but trains slower.",
            "网络在每一步对已读序列保留多少个数；越大记得越多，但训练越慢。",
        ],
    ),
    row(
        "num_layers",
        "",
        ["recurrent layers", "循环层数"],
        ["How many GRU layers are stacked.", "堆叠多少层 GRU。"],
    ),
    row(
        "max_seq_length",
        "",
        ["items read per shopper", "每位用户读取的物品数"],
        [
            "How many of the shopper's most recent items the model reads; older ones are ignored.",
            "模型读取用户最近的多少个物品；更早的会被忽略。",
        ],
    ),
    row(
        "n_layers",
        "",
        ["attention blocks", "注意力块数"],
        [
            "How many self-attention blocks are stacked.",
            "堆叠多少个自注意力块。",
        ],
    ),
    row(
        "n_heads",
        "",
        ["attention heads", "注意力头数"],
        [
            "How many ways each block looks back over the sequence at once; must divide the hidden size.",
            "每个块同时以多少种方式回看序列；必须能整除隐藏状态大小。",
        ],
    ),
    row(
        "inner_size",
        "",
        ["feed-forward width", "前馈层宽度"],
        [
            "Width of the small network inside each attention block.",
            "每个注意力块内部小网络的宽度。",
        ],
    ),
    row(
        "hidden_dropout_prob",
        "",
        ["dropout between layers", "层间随机丢弃率"],
        [
            "Share of values randomly switched off between layers while training, against overfitting.",
            "训练时在层与层之间随机关闭的数值比例，用来防止过拟合。",
        ],
    ),
    row(
        "attn_dropout_prob",
        "",
        ["attention dropout", "注意力随机丢弃率"],
        [
            "Share of attention weights randomly switched off while training.",
            "训练时随机关闭的注意力权重比例。",
        ],
    ),
    row(
        "hidden_act",
        "",
        ["activation function", "激活函数"],
        [
            "The non-linear function inside the feed-forward layers (gelu as in SASRec, relu, swish, tanh, sigmoid).",
            "前馈层中的非线性函数（SASRec 默认 gelu，另有 relu、swish、tanh、sigmoid）。",
        ],
    ),
    row(
        "layer_norm_eps",
        "",
        ["normalisation epsilon", "归一化的微小常数"],
        [
            "A tiny number added when normalising layers so nothing is divided by zero.",
            "层归一化时加上的微小常数，避免除以零。",
        ],
    ),
    row(
        "initializer_range",
        "",
        ["starting weight spread", "初始权重范围"],
        [
            "How widely the random starting weights are spread (their standard deviation).",
            "随机初始权重的分散程度（标准差）。",
        ],
    ),
    row(
        "text_buckets",
        "",
        ["text feature slots", "文本特征槽位数"],
        [
            "How many slots the words of titles, brands and categories are hashed into; more slots mean fewer words sharing one.",
            "标题、品牌和类目中的词被散列到多少个槽位；槽位越多，共用一个槽位的词越少。",
        ],
    ),
    row(
        "id_dropout",
        "",
        ["item id dropout", "物品编号随机丢弃率"],
        [
            "How often an item's own learned vector is hidden while training, so its text alone must place it (this is what lets new items be recommended).",
            "训练时隐藏物品自身向量的频率，迫使仅凭文本定位物品（新物品因此也能被推荐）。",
        ],
    ),
    row(
        "temperature",
        "",
        ["softmax temperature", "softmax 温度"],
        [
            "How sharply scores are turned into probabilities while training; lower is sharper.",
            "训练时把分数变成概率的锐利程度；越低越锐利。",
        ],
    ),
    row(
        "logq_correction",
        "",
        ["popularity correction", "流行度校正"],
        [
            "Corrects for popular items appearing as negatives more often in a batch.",
            "校正热门物品在批次中更常被当作负样本的偏差。",
        ],
    ),
    row(
        "user_embedding",
        "",
        ["shopper vector", "用户向量"],
        [
            "Also learn a vector per known shopper, added to the mean of their items (new shoppers get the mean alone).",
            "另为每位已知用户学习一个向量，加在其物品向量的平均值上（新用户只用平均值）。",
        ],
    ),
    row(
        "max_history",
        "",
        ["history items per example", "每个样本的历史物品数"],
        [
            "Most history items used to describe the shopper in one training example.",
            "一个训练样本中用来描述用户的最多历史物品数。",
        ],
    ),
    row(
        "factors",
        "",
        ["number of factors", "因子个数"],
        [
            "How many numbers describe each shopper's and each item's taste.",
            "用多少个数描述每位用户和每个物品的口味。",
        ],
    ),
    row(
        "regularization",
        "",
        ["shrinkage", "正则化强度"],
        [
            "How strongly the taste vectors are pulled towards zero, against overfitting.",
            "把口味向量拉向零的力度，用来防止过拟合。",
        ],
    ),
    row(
        "alpha",
        "",
        ["confidence per interaction", "每次交互的置信度"],
        [
            "How much more an observed interaction is trusted than an unobserved one; with count weighting, repeats count more.",
            "观察到的交互比未观察到的多几分可信；按次数加权时，重复交互更可信。",
        ],
    ),
    row(
        "iterations",
        "",
        ["sweeps", "迭代轮数"],
        [
            "How many times shopper and item vectors are solved in turn.",
            "交替求解用户向量和物品向量的次数。",
        ],
    ),
    row(
        "cg_steps",
        "",
        ["solver steps", "求解步数"],
        [
            "Conjugate-gradient steps per vector and sweep; more is more exact, and slower.",
            "每个向量每轮的共轭梯度步数；越多越精确，也越慢。",
        ],
    ),
];

/// Learn entries that are neither a metric, a column nor a model.
const CONCEPTS: &[Row] = &[
    row(
        "latency",
        "latency",
        ["answer time", "响应时间"],
        [
            "How long one request (one shopper's list, or one search) takes, in microseconds.",
            "一次请求（一位用户的推荐列表，或一次搜索）所需的时间，单位微秒。",
        ],
    ),
    row(
        "train_time",
        "train_time",
        ["time to train and evaluate", "训练与评估用时"],
        [
            "Seconds spent fitting the model and evaluating it.",
            "拟合模型和评估所花的秒数。",
        ],
    ),
    row(
        "users_evaluated",
        "users_evaluated",
        ["shoppers in the averages", "计入平均的用户"],
        [
            "Which shoppers a run's averages cover: those with a test item left to find.",
            "实验的平均值覆盖哪些用户：还有测试物品待找到的用户。",
        ],
    ),
    row(
        "cold_shoppers",
        "cold_shoppers",
        ["shoppers without history", "无历史的用户"],
        [
            "Shoppers with test items but no training events, and how a run ranks and counts them.",
            "有测试物品但没有训练事件的用户，以及实验如何为他们排序和计数。",
        ],
    ),
    row(
        "temporal_split",
        "temporal_split",
        ["split by time", "按时间划分"],
        [
            "The latest events are the test; everything before is training.",
            "最新的事件作为测试集，之前的全部作为训练集。",
        ],
    ),
    row(
        "leave_last_out",
        "leave_last_out",
        ["each shopper's last items", "每位用户的最后几个物品"],
        [
            "Each shopper's last few interactions are their test; the rest, earlier purchases of the same items included, is training.",
            "每位用户最后几次交互作为其测试集，其余（包括对同一物品更早的购买）作为训练集。",
        ],
    ),
    row(
        "random_split",
        "random_split",
        ["random split", "随机划分"],
        [
            "A random share of events is the test; it lets the future leak into training.",
            "随机抽取一部分事件作为测试集；会把未来信息泄漏到训练集中。",
        ],
    ),
    row(
        "full_ranking",
        "full_ranking",
        ["ranked against the whole catalog", "在整个目录中排序"],
        [
            "Each shopper's right items are ranked among every item, as a shop would show them.",
            "每位用户的正确物品与所有物品一起排序，与商店实际展示一致。",
        ],
    ),
    row(
        "sampled_ranking",
        "sampled_ranking",
        ["ranked against a sample", "在抽样物品中排序"],
        [
            "Each right item is ranked only among a few random other items: faster, but optimistic.",
            "每个正确物品只与少量随机抽取的其他物品一起排序：更快，但结果偏乐观。",
        ],
    ),
    row(
        "exclude_train",
        "exclude_train",
        ["leave out items they had", "排除已有过的物品"],
        [
            "Whether items a shopper already had in training are left out of their list and test, or stay as buy-again candidates.",
            "用户在训练中已有过的物品是从其列表和测试中剔除，还是作为复购候选保留。",
        ],
    ),
    row(
        "judgments",
        "judgments",
        ["relevance labels", "相关性标注"],
        [
            "Labels saying how relevant an item is to a search query (0 = not relevant).",
            "表示某商品与某搜索查询相关程度的标签（0 = 不相关）。",
        ],
    ),
    row(
        "derived_judgments",
        "derived_judgments",
        ["labels from shoppers' actions", "从用户行为推导的标注"],
        [
            "Clicks, carts and purchases after a search, turned into relevance labels for that query.",
            "搜索之后的点击、加购和购买，被转成该查询的相关性标注。",
        ],
    ),
    row(
        "relevance_grades",
        "relevance_grades",
        ["what counts as relevant", "何为相关"],
        [
            "Which label grade counts as relevant, and how much each grade adds to NDCG.",
            "多高的标注等级算相关，以及每个等级为 NDCG 贡献多少。",
        ],
    ),
    row(
        "ties",
        "ties",
        ["equal scores", "同分"],
        [
            "How items with exactly the same score are ordered.",
            "得分完全相同的物品如何排序。",
        ],
    ),
    row(
        "field_weights",
        "field_weights",
        ["importance of each text field", "各文本字段的重要程度"],
        [
            "How much a match in the title, description, brand, category or attributes counts in search.",
            "搜索时在标题、描述、品牌、类目或属性中匹配各占多少分量。",
        ],
    ),
    row(
        "cold_start",
        "cold_start",
        ["too few events", "事件太少"],
        [
            "Shoppers or items with fewer than 5 events on items: history-based models know little about them.",
            "物品事件少于 5 条的用户或物品：依赖历史的模型对它们了解很少。",
        ],
    ),
    row(
        "confidence_interval",
        "confidence_interval",
        ["margin of error", "误差范围"],
        [
            "A range that likely holds the true average, given the shoppers that happened to be tested.",
            "在恰好被测试的这批用户下，很可能包含真实平均值的范围。",
        ],
    ),
    row(
        "paired_test",
        "paired_test",
        ["is the difference real?", "差异是真的吗？"],
        [
            "Both runs compared shopper by shopper, with an interval and a p-value for the difference.",
            "两个实验逐个用户比较，给出差异的区间和 p 值。",
        ],
    ),
    row(
        "t_test",
        "t_test",
        ["classic paired tests", "经典配对检验"],
        [
            "The t-test on the mean difference and the Wilcoxon test on its ranks.",
            "对平均差值的 t 检验和对其秩的 Wilcoxon 检验。",
        ],
    ),
    row(
        "holm",
        "holm",
        ["correction for many runs", "多实验校正"],
        [
            "Raises p-values so comparing many runs at once does not produce false wins.",
            "提高 p 值，使一次比较很多实验时不会产生虚假的胜出。",
        ],
    ),
    row(
        "effect_size",
        "effect_size",
        ["how big the difference is", "差异有多大"],
        [
            "The size of the difference: effect size d_z, lift over the baseline, shoppers won and lost.",
            "差异的大小：效应量 d_z、相对基准的提升、胜出和落后的用户数。",
        ],
    ),
    row(
        "fusion",
        "fusion",
        ["fused model", "融合模型"],
        [
            "Several runs combined into one ranking, weights chosen on the validation split.",
            "多个实验合成一个排序，权重在验证部分上选择。",
        ],
    ),
    row(
        "tuning_on_test",
        "tuning_on_test",
        ["tuning on the test split", "在测试集上调参"],
        [
            "Choosing settings by their test score, which makes that score optimistic.",
            "按测试分数选择设置，这会使该分数偏乐观。",
        ],
    ),
    row(
        "pareto_front",
        "pareto_front",
        ["best for its speed", "同速度下最好"],
        [
            "Runs no other run beats on both quality and speed at once.",
            "没有其他实验能在质量和速度上同时胜过的实验。",
        ],
    ),
    row(
        "data_health",
        "data_health",
        ["what the data holds", "数据包含什么"],
        [
            "Counts of items, shoppers and events, how empty the shopper × item table is, and who has too few events.",
            "商品、用户和事件的数量，用户 × 商品表有多空，以及哪些用户和商品事件太少。",
        ],
    ),
    row(
        "event_kinds",
        "event_kinds",
        ["kinds of events", "事件类型"],
        [
            "What a shopper did: view, click, add to cart, purchase, search or rate.",
            "用户做了什么：浏览、点击、加购、购买、搜索或评分。",
        ],
    ),
    row(
        "weighting",
        "weighting",
        ["how repeats count", "重复交互如何计数"],
        [
            "How a shopper's several events on one item become one number for the models that learn from a shopper × item table.",
            "对于从用户 × 物品表中学习的模型，用户对同一物品的多个事件如何合成一个数。",
        ],
    ),
];

/// The Data view's health figures (`engine::store::StoreStats` fields),
/// asked for as `data.<field>`.
const DATA: &[Row] = &[
    row(
        "items",
        "data_health",
        ["products", "商品数"],
        [
            "Items in the catalog, counting items that events name but the catalog lacks.",
            "目录中的商品数，包括事件中出现但目录里没有的商品。",
        ],
    ),
    row(
        "users",
        "data_health",
        ["shoppers", "用户数"],
        [
            "Distinct shoppers in the events.",
            "事件中出现的不同用户数。",
        ],
    ),
    row(
        "events",
        "data_health",
        ["events", "事件数"],
        [
            "Every recorded event: views, clicks, carts, purchases, searches and ratings.",
            "记录的全部事件：浏览、点击、加购、购买、搜索和评分。",
        ],
    ),
    row(
        "item_events",
        "data_health",
        ["events on products", "商品事件数"],
        [
            "Events that name an item (searches usually do not).",
            "指向某个商品的事件（搜索通常不指向商品）。",
        ],
    ),
    row(
        "user_item_pairs",
        "data_health",
        ["shopper–product pairs", "用户–商品对数"],
        [
            "Distinct (shopper, item) combinations among events on items.",
            "商品事件中不同的（用户，商品）组合数。",
        ],
    ),
    row(
        "sparsity",
        "sparsity",
        ["how empty the data is", "数据的空缺程度"],
        [
            "Share of all shopper × item combinations with no event: 1 − pairs ÷ (shoppers × items). Shops are often above 99.9%.",
            "所有用户 × 商品组合中没有任何事件的比例：1 − 对数 ÷（用户数 × 商品数）。电商数据常高于 99.9%。",
        ],
    ),
    row(
        "cold_users",
        "cold_start",
        ["shoppers with few events", "事件很少的用户"],
        [
            "Shoppers with fewer than 5 events on items: too little history for models that learn from it.",
            "商品事件少于 5 条的用户：对依赖历史的模型来说历史太少。",
        ],
    ),
    row(
        "cold_items",
        "cold_start",
        ["products with few events", "事件很少的商品"],
        [
            "Items with fewer than 5 events: models that learn from shoppers know little about them.",
            "事件少于 5 条的商品：从用户行为中学习的模型对它们了解很少。",
        ],
    ),
    row(
        "events_per_shopper",
        "data_health",
        ["events per shopper", "人均事件数"],
        [
            "Events divided by shoppers: how much history an average shopper has.",
            "事件数除以用户数：平均每位用户有多少历史。",
        ],
    ),
    row(
        "events_per_item",
        "data_health",
        ["events per product", "每件商品的事件数"],
        [
            "Events on items divided by items: how much is known about an average item.",
            "商品事件数除以商品数：平均每件商品有多少信息。",
        ],
    ),
    row(
        "judgments",
        "judgments",
        ["relevance labels", "相关性标注数"],
        [
            "Search judgments: labels saying how relevant an item is to a query.",
            "搜索相关性标注：表示某商品与某查询相关程度的标签。",
        ],
    ),
    row(
        "judged_queries",
        "judgments",
        ["labelled searches", "已标注的查询数"],
        [
            "Distinct queries with at least one relevance label.",
            "至少有一条相关性标注的不同查询数。",
        ],
    ),
    row(
        "distinct_queries",
        "data_health",
        ["different searches", "不同的搜索词数"],
        [
            "Distinct search queries among the events.",
            "事件中不同的搜索查询数。",
        ],
    ),
    row(
        "imports",
        "data_health",
        ["imports", "导入次数"],
        [
            "Files imported into the project, each attempt counted.",
            "导入到项目中的文件次数，每次尝试都计入。",
        ],
    ),
    row(
        "rejected_rows",
        "data_health",
        ["rows not imported", "未导入的行"],
        [
            "Rows of imported files that could not be read; the import history says why.",
            "导入文件中无法读取的行；导入记录中写明了原因。",
        ],
    ),
];

/// Parameters of models (serde names of the `engine::recommend` and
/// `engine::search` param structs), splits (`engine::split::SplitSpec`),
/// evaluation (`engine::evaluate::EvalOptions`), run specs and search
/// evaluation; the Learn entry is the closest one.
const PARAMS: &[Row] = &[
    row(
        "neighbours",
        "item_knn",
        ["neighbours kept", "保留的近邻数"],
        [
            "How many most-similar items (or shoppers, or bought-together partners) each one keeps.",
            "每个物品（或用户、或一起购买的伙伴）保留多少个最相似的邻居。",
        ],
    ),
    row(
        "shrink",
        "item_knn",
        ["caution with rare pairs", "对稀有配对的收缩"],
        [
            "Added to the similarity's denominator so pairs seen together only a few times count less.",
            "加在相似度分母上，使只共同出现几次的配对权重降低。",
        ],
    ),
    row(
        "reg",
        "ease",
        ["regularisation strength", "正则化强度"],
        [
            "L2 regularisation λ: larger values trust co-occurrence less and favour popular items less.",
            "L2 正则化系数 λ：越大越不依赖共现，也越少偏向热门物品。",
        ],
    ),
    row(
        "window_days",
        "popularity",
        ["recent days counted", "统计的最近天数"],
        [
            "Count only events this many days before the newest training event (empty: all time).",
            "只统计最新训练事件之前这么多天内的事件（留空：全部时间）。",
        ],
    ),
    row(
        "half_life_days",
        "popularity",
        ["half-life in days", "半衰期（天）"],
        [
            "A shopper counts half as much every this many days since their latest event on the item (empty: no decay).",
            "用户对该物品的最近一次事件每过这么多天，其计数减半（留空：不衰减）。",
        ],
    ),
    row(
        "window_seconds",
        "co_purchase",
        ["seconds in one basket", "同一购物篮的时间窗（秒）"],
        [
            "Two of a shopper's purchases at most this many seconds apart belong to one basket.",
            "同一用户相隔不超过这么多秒的两次购买属于同一购物篮。",
        ],
    ),
    row(
        "score",
        "co_purchase",
        ["pair score", "配对打分方式"],
        [
            "Confidence (share of an item's buyers who also bought the other) or lift (how much more often than chance).",
            "置信度（买了该物品的用户中也买了另一物品的比例）或提升度（比随机高出多少倍）。",
        ],
    ),
    row(
        "recent",
        "co_purchase",
        ["latest items used", "使用的最近物品数"],
        [
            "How many of the shopper's latest distinct items seed the recommendations.",
            "用用户最近的多少个不同物品作为推荐的种子。",
        ],
    ),
    row(
        "max_query_terms",
        "content",
        ["words per likeness query", "每次相似查询的词数"],
        [
            "Most (field, word) pairs taken from an item to find similar items, rarest first.",
            "从一个物品中取出用于查找相似物品的（字段，词）对的最大数量，越稀有越优先。",
        ],
    ),
    row(
        "method",
        "temporal_split",
        ["split method", "划分方式"],
        [
            "How events are divided into training and test: by time, each shopper's last items, or at random.",
            "事件如何分为训练集和测试集：按时间、每位用户的最后几个物品，或随机。",
        ],
    ),
    row(
        "test_fraction",
        "temporal_split",
        ["test share (latest events)", "测试集比例（最新事件）"],
        [
            "Share of all events, latest first, held out as the test set.",
            "按时间从最新开始留作测试集的事件比例。",
        ],
    ),
    row(
        "test_ratio",
        "random_split",
        ["test share (random events)", "测试集比例（随机事件）"],
        [
            "Share of events drawn at random (by the seed) as the test set.",
            "按随机种子随机抽取作为测试集的事件比例。",
        ],
    ),
    row(
        "valid_fraction",
        "temporal_split",
        ["validation share", "验证集比例"],
        [
            "Share of the remaining training events held out for validation, the same way as the test.",
            "从剩余训练事件中按与测试集相同的方式留作验证集的比例。",
        ],
    ),
    row(
        "n",
        "leave_last_out",
        ["interactions held out per shopper", "每位用户留出的交互数"],
        [
            "Interactions per shopper (their latest) held out as the test set; events on one item at one moment count as one.",
            "每位用户留作测试集的交互数（取最近的）；同一时刻对同一物品的多个事件算作一次。",
        ],
    ),
    row(
        "seed",
        "random_split",
        ["random seed", "随机种子"],
        [
            "The same seed gives the same random draws and the same numbers.",
            "相同的种子得到相同的随机抽取和相同的结果。",
        ],
    ),
    row(
        "ks",
        "recall",
        ["cut-offs K", "截断位置 K"],
        [
            "The list lengths K the metrics are measured at, e.g. 5, 10, 20.",
            "计算指标时使用的列表长度 K，例如 5、10、20。",
        ],
    ),
    row(
        "exclude_train",
        "exclude_train",
        ["leave out items they had", "排除已有过的物品"],
        [
            "Leave items a shopper already had in training out of their list and test (off: they stay as buy-again candidates).",
            "把用户在训练中已有过的物品从其列表和测试中剔除（关闭：它们作为复购候选保留）。",
        ],
    ),
    row(
        "max_users",
        "users_evaluated",
        ["most shoppers evaluated", "最多评估的用户数"],
        [
            "Evaluate at most this many shoppers, spread evenly over all (empty: all).",
            "最多评估这么多用户，在全部用户中均匀选取（留空：全部）。",
        ],
    ),
    row(
        "batch_size",
        "users_evaluated",
        ["shoppers per work unit", "每个工作单元的用户数"],
        [
            "Shoppers scored together on one processor core; results do not depend on it.",
            "在一个处理器核心上一起打分的用户数；结果与它无关。",
        ],
    ),
    row(
        "sampled_negatives",
        "sampled_ranking",
        ["sampled other items", "采样的其他物品数"],
        [
            "Rank each shopper's right items among this many random other items instead of the whole catalog (empty: whole catalog).",
            "只在这么多随机抽取的其他物品中为用户的正确物品排序，而不是整个目录（留空：整个目录）。",
        ],
    ),
    row(
        "tie_break",
        "ties",
        ["order of equal scores", "同分时的顺序"],
        [
            "Which item comes first when two score the same: the more popular one, or catalog order.",
            "两个物品得分相同时谁在前：更热门的，或按目录顺序。",
        ],
    ),
    row(
        "cold_shoppers",
        "cold_shoppers",
        ["shoppers without history", "无历史的用户"],
        [
            "What ranks shoppers with no training events and whether they count in the averages.",
            "没有训练事件的用户由什么排序，以及是否计入平均值。",
        ],
    ),
    row(
        "cold_fallback",
        "cold_shoppers",
        ["model for shoppers without history", "无历史用户的后备模型"],
        [
            "The model that ranks shoppers with no training events (popularity: the only one that can).",
            "为没有训练事件的用户排序的模型（热门推荐：唯一能做到的模型）。",
        ],
    ),
    row(
        "kinds",
        "event_kinds",
        ["events that count", "计入的事件类型"],
        [
            "Which kinds of events count as a shopper choosing an item.",
            "哪些类型的事件算作用户选择了某物品。",
        ],
    ),
    row(
        "weighting",
        "weighting",
        ["how repeats count", "重复交互的计数方式"],
        [
            "How several events of a shopper on one item become one number for item-kNN, user-kNN and EASE.",
            "对 Item-kNN、User-kNN 和 EASE，用户对同一物品的多个事件如何合成一个数。",
        ],
    ),
    row(
        "name",
        "",
        ["run name", "实验名称"],
        [
            "A name for the run, shown in Compare and Recommend (empty: the model's name).",
            "实验的名称，显示在“对比”和“推荐”页（留空：模型名）。",
        ],
    ),
    row(
        "model",
        "",
        ["model", "模型"],
        [
            "The recommender that ranks items for each shopper.",
            "为每位用户给物品排序的推荐模型。",
        ],
    ),
    row(
        "device",
        "",
        ["where it trains", "训练设备"],
        [
            "Where a learned model trains: auto (a graphics card when this build can use one, else the processor), cpu, cuda (an NVIDIA card) or metal (an Apple GPU).",
            "学习型模型在哪里训练：auto（本程序能用显卡时用显卡，否则用处理器）、cpu、cuda（NVIDIA 显卡）或 metal（苹果 GPU）。",
        ],
    ),
    row(
        "title",
        "field_weights",
        ["title weight", "标题权重"],
        [
            "How much a match in the title counts in search.",
            "搜索时标题中的匹配占多少分量。",
        ],
    ),
    row(
        "description",
        "field_weights",
        ["description weight", "描述权重"],
        [
            "How much a match in the description counts in search.",
            "搜索时描述中的匹配占多少分量。",
        ],
    ),
    row(
        "brand",
        "field_weights",
        ["brand weight", "品牌权重"],
        [
            "How much a match in the brand counts in search.",
            "搜索时品牌中的匹配占多少分量。",
        ],
    ),
    row(
        "category",
        "field_weights",
        ["category weight", "类目权重"],
        [
            "How much a match in the category path counts in search.",
            "搜索时类目路径中的匹配占多少分量。",
        ],
    ),
    row(
        "attributes",
        "field_weights",
        ["attributes weight", "属性权重"],
        [
            "How much a match in attribute names and values counts in search.",
            "搜索时属性名和属性值中的匹配占多少分量。",
        ],
    ),
    row(
        "min_grade",
        "relevance_grades",
        ["lowest relevant grade", "最低相关等级"],
        [
            "The lowest label grade that counts as relevant (1, as trec_eval; 0: any grade above 0).",
            "算作相关的最低标注等级（1，与 trec_eval 相同；0：任何大于 0 的等级）。",
        ],
    ),
    row(
        "gain",
        "relevance_grades",
        ["gain per grade", "每个等级的增益"],
        [
            "What a relevant item adds to NDCG: its grade's whole part, its grade, or 1.",
            "相关物品为 NDCG 贡献多少：等级的整数部分、等级本身，或 1。",
        ],
    ),
    row(
        "ranker",
        "hybrid",
        ["search method", "搜索方法"],
        [
            "Which search ranks the items: bm25 (the query's words), dense (meaning, from a sentence model) or hybrid (both, fused).",
            "由哪种搜索给物品排序：bm25（查询中的词）、dense（由句子模型得到的语义）或 hybrid（两者融合）。",
        ],
    ),
    row(
        "fusion",
        "hybrid",
        ["how hybrid mixes", "混合方式"],
        [
            "How hybrid search combines keyword and meaning scores: a weighted sum of normalised scores (weight alpha on meaning) or reciprocal rank fusion.",
            "混合搜索如何结合关键词分数与语义分数：归一化分数的加权和（语义权重 alpha），或倒数排名融合。",
        ],
    ),
    row(
        "queries",
        "",
        ["queries evaluated", "参与评估的查询"],
        [
            "All judged queries, or one fixed random half of them (tune) or the other half (held): choose settings on one half, report the other.",
            "全部已评判的查询，或其中固定的随机一半（tune）或另一半（held）：在一半上选设置，在另一半上报告结果。",
        ],
    ),
];

/// Event kinds (`datasets::EventKind::as_str`).
const EVENT_KINDS: &[Row] = &[
    row(
        "view",
        "event_kinds",
        ["view", "浏览"],
        ["Looked at a product page.", "查看了商品页面。"],
    ),
    row(
        "click",
        "event_kinds",
        ["click", "点击"],
        [
            "Clicked a product in a list or search result.",
            "在列表或搜索结果中点击了商品。",
        ],
    ),
    row(
        "cart",
        "event_kinds",
        ["add to cart", "加购"],
        ["Added a product to the cart.", "把商品加入了购物车。"],
    ),
    row(
        "purchase",
        "event_kinds",
        ["purchase", "购买"],
        ["Bought a product.", "购买了商品。"],
    ),
    row(
        "search",
        "event_kinds",
        ["search", "搜索"],
        [
            "Ran a search; the query is kept, usually with no product.",
            "进行了一次搜索；保留查询词，通常不指向商品。",
        ],
    ),
    row(
        "rating",
        "event_kinds",
        ["rating", "评分"],
        [
            "Gave a product an explicit rating.",
            "给商品打了明确的评分。",
        ],
    ),
];

/// Values of parameters that are choices: (parameter, value, [English, 中文]).
const CHOICES: &[(&str, &str, [&str; 2])] = &[
    ("score", "confidence", ["share also bought", "置信度"]),
    ("score", "lift", ["more than chance", "提升度"]),
    ("method", "temporal", ["by time", "按时间"]),
    (
        "method",
        "leave_last_out",
        ["each shopper's last items", "每位用户的最后几个物品"],
    ),
    ("method", "random", ["random", "随机"]),
    (
        "tie_break",
        "popularity",
        ["more popular item first", "更热门的物品在前"],
    ),
    ("tie_break", "item_index", ["catalog order", "按目录顺序"]),
    (
        "cold_shoppers",
        "apart",
        [
            "ranked by popularity, reported apart",
            "按热门排序，单独报告",
        ],
    ),
    (
        "cold_shoppers",
        "fallback",
        ["ranked by popularity, in the means", "按热门排序，计入均值"],
    ),
    (
        "cold_shoppers",
        "model",
        ["ranked by the model", "由模型自己排序"],
    ),
    ("weighting", "binary", ["once per item", "每个物品计一次"]),
    ("weighting", "count", ["number of events", "按事件次数"]),
    (
        "weighting",
        "kind_weighted",
        [
            "by event kind (purchase 4, cart 2, others 1)",
            "按事件类型加权（购买 4，加购 2，其他 1）",
        ],
    ),
    (
        "weighting",
        "value",
        ["event value, e.g. rating", "事件数值（如评分）"],
    ),
    (
        "gain",
        "floor",
        ["whole part of the grade", "等级的整数部分"],
    ),
    ("gain", "grade", ["the grade itself", "等级本身"]),
    (
        "gain",
        "binary",
        ["1 for every relevant item", "每个相关物品都为 1"],
    ),
];

/// Prefix of the Data view's health figures.
const DATA_PREFIX: &str = "data.";

/// A resolved term: its row and, for a metric, the cut-off.
fn resolve(key: &str) -> Option<(&'static Row, Option<usize>)> {
    let key = key.trim().to_ascii_lowercase();
    if let Some(field) = key.strip_prefix(DATA_PREFIX) {
        return find(DATA, field).map(|r| (r, None));
    }
    // Column labels and their aliases (`p95`, `arp`, `ndcg@10`, `hit_rate@5`).
    if let Ok(column) = Column::from_str(&key) {
        return match column {
            Column::Metric(m) => find(METRICS, m.metric.as_str()).map(|r| (r, Some(m.k))),
            other => find(COLUMNS, &other.label()).map(|r| (r, None)),
        };
    }
    let key = if key == "hit_rate" { "hit" } else { &key };
    [METRICS, COLUMNS, MODELS, LEARNED_MODELS, CONCEPTS, DATA]
        .into_iter()
        .find_map(|t| find(t, key))
        .map(|r| (r, None))
}

fn find(table: &'static [Row], key: &str) -> Option<&'static Row> {
    table.iter().find(|r| r.key == key)
}

/// `name` with its `K` filled in by the cut-off, when it has one.
fn with_k(name: &str, k: Option<usize>) -> String {
    match k {
        Some(k) => name.replacen('K', &k.to_string(), 1),
        None => name.to_string(),
    }
}

/// "plain (identifier)", or the identifier alone where they are the same.
fn with_identifier(name: &str, identifier: &str) -> String {
    if name.eq_ignore_ascii_case(identifier) || name.replace(' ', "_") == identifier {
        identifier.to_string()
    } else {
        format!("{name} ({identifier})")
    }
}

/// The precise name to show beside a plain one (`data.sparsity` → `sparsity`).
fn precise(key: &str) -> &str {
    let key = key.trim();
    key.strip_prefix(DATA_PREFIX).unwrap_or(key)
}

/// The plain name and meaning of a precise term: a metric (`recall`,
/// `ndcg`), a column or figure (`p95_us`, `train_s`, `sparsity`,
/// `cold_users`, `auc`, `coverage`) or a concept; `None` if it has none.
/// A metric's name keeps its `K` ("found in top K"); [`header`] fills it in.
pub fn plain(lang: Lang, key: &str) -> Option<Plain> {
    resolve(key).map(|(r, _)| r.plain(lang))
}

/// The plain name of a term with a metric's cut-off filled in ("found in
/// top 10" for `recall@10`), without the precise name.
pub fn name(lang: Lang, key: &str) -> Option<String> {
    resolve(key).map(|(r, k)| with_k(r.name[lang.index()], k))
}

/// The one-line meaning of a term or column label, for hover text.
pub fn meaning(lang: Lang, key: &str) -> Option<&'static str> {
    plain(lang, key).map(|p| p.meaning)
}

/// The Learn entry a term or column label opens (`p95_us` → `latency`).
pub fn learn_key(key: &str) -> Option<&'static str> {
    resolve(key).map(|(r, _)| r.learn).filter(|l| !l.is_empty())
}

/// A column or metric label with its plain name first, e.g. `recall@10` →
/// "found in top 10 (recall@10)"; the label itself when it has none.
pub fn header(lang: Lang, label: &str) -> String {
    match resolve(label) {
        Some((r, k)) => with_identifier(&with_k(r.name[lang.index()], k), precise(label)),
        None => label.to_string(),
    }
}

/// Named by an identifier in one table: "plain (identifier)" or the key.
fn named(table: &'static [Row], lang: Lang, key: &str) -> String {
    match find(table, key.trim()) {
        Some(r) => with_identifier(r.name[lang.index()], r.key),
        None => key.to_string(),
    }
}

/// A model's name for people (`co_purchase` → "bought together
/// (co_purchase)"), in `lang`; the key itself for a model it does not know.
pub fn model(lang: Lang, key: &str) -> String {
    if find(LEARNED_MODELS, key.trim()).is_some() {
        return named(LEARNED_MODELS, lang, key);
    }
    named(MODELS, lang, key)
}

/// Whether `key` names a learned model (trained in epochs).
pub fn is_learned_model(key: &str) -> bool {
    find(LEARNED_MODELS, key.trim()).is_some()
}

/// A learned model's parameter's plain name and meaning (its training
/// settings read differently from the evaluation's `batch_size` or the
/// split's `seed`), falling back to [`param_plain`].
pub fn learned_param_plain(lang: Lang, key: &str) -> Option<Plain> {
    find(LEARNED_PARAMS, key.trim())
        .map(|r| r.plain(lang))
        .or_else(|| param_plain(lang, key))
}

/// A model parameter's name for people (`neighbours`, `reg`, `shrink`), and
/// of split, evaluation and search settings (`test_fraction`, `ks`,
/// `tie_break`, `weighting`…): "plain (key)".
pub fn param(lang: Lang, key: &str) -> String {
    named(PARAMS, lang, key)
}

/// A parameter's plain name and one-line meaning.
pub fn param_plain(lang: Lang, key: &str) -> Option<Plain> {
    find(PARAMS, key.trim()).map(|r| r.plain(lang))
}

/// Every parameter and setting key [`param`] names, in table order.
pub fn param_keys() -> impl Iterator<Item = &'static str> {
    PARAMS.iter().map(|r| r.key)
}

/// The Learn entry that explains a parameter (`reg` → `ease`), if any.
pub fn param_learn_key(key: &str) -> Option<&'static str> {
    find(PARAMS, key.trim())
        .map(|r| r.learn)
        .filter(|l| !l.is_empty())
}

/// An event kind's name for people (`view`, `cart`, `purchase`, `rating`).
pub fn event_kind(lang: Lang, key: &str) -> String {
    named(EVENT_KINDS, lang, key)
}

/// An event kind's plain name and what a shopper did.
pub fn event_kind_plain(lang: Lang, key: &str) -> Option<Plain> {
    find(EVENT_KINDS, key.trim()).map(|r| r.plain(lang))
}

/// A choice of a parameter for people (`tie_break` = `item_index` →
/// "catalog order (item_index)"); the value itself when it has no name.
pub fn choice(lang: Lang, param: &str, value: &str) -> String {
    CHOICES
        .iter()
        .find(|(p, v, _)| *p == param.trim() && *v == value.trim())
        .map_or_else(
            || value.to_string(),
            |(_, v, names)| with_identifier(names[lang.index()], v),
        )
}

/// A split in the interface language, e.g. "temporal, test 20%" /
/// "按时间切分，测试 20%" (the engine's own text is English, for the CLI).
pub fn split(lang: Lang, spec: &shoplab_engine::split::SplitSpec) -> String {
    use shoplab_engine::split::SplitSpec;
    let zh = lang == Lang::Zh;
    let pct = |f: f64| format!("{:.0}%", f * 100.0);
    let mut s = match spec {
        SplitSpec::Temporal { test_fraction, .. } if zh => {
            format!("按时间切分，测试 {}", pct(*test_fraction))
        }
        SplitSpec::Temporal { .. } => spec.to_string(),
        SplitSpec::LeaveLastOut { n, .. } if zh => format!("留出最后 {n} 个"),
        SplitSpec::LeaveLastOut { .. } => spec.to_string(),
        SplitSpec::Random {
            test_ratio, seed, ..
        } if zh => format!("随机切分，测试 {}，种子 {seed}", pct(*test_ratio)),
        SplitSpec::Random { .. } => spec.to_string(),
    };
    if zh && spec.valid_fraction() > 0.0 {
        s.push_str(&format!("，验证 {}", pct(spec.valid_fraction())));
    }
    s
}

/// Every key [`plain`] and [`term`] answer for (data figures with their
/// `data.` prefix), each with the Learn entry it opens; learned models,
/// which have no Learn entry yet, are left out.
pub fn keys() -> impl Iterator<Item = (String, &'static str)> {
    [METRICS, COLUMNS, MODELS, CONCEPTS]
        .into_iter()
        .flatten()
        .map(|r| (r.key.to_string(), r.learn))
        .chain(
            DATA.iter()
                .map(|r| (format!("{DATA_PREFIX}{}", r.key), r.learn)),
        )
}

/// Draws a term: its plain name, the precise name beside it (small), the
/// meaning on hover, and a "?" that opens its Learn entry.
pub fn term(ui: &mut egui::Ui, lang: Lang, key: &str, out: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        ui.spacing_mut().item_spacing.x = 4.0;
        match resolve(key) {
            Some((r, k)) => {
                let meaning = r.meaning[lang.index()];
                let name = with_k(r.name[lang.index()], k);
                let same = name.eq_ignore_ascii_case(precise(key));
                ui.label(name).on_hover_text(meaning);
                if !same {
                    ui.label(RichText::new(precise(key)).size(11.5).weak().monospace())
                        .on_hover_text(meaning);
                }
                crate::views::explain_button(ui, lang, r.learn, out);
            }
            None => {
                ui.label(key);
                if let Some(e) = crate::glossary::entry(key) {
                    crate::views::explain_button(ui, lang, e.key, out);
                }
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use shoplab_datasets::EventKind;
    use shoplab_engine::metrics::Metric;
    use shoplab_engine::recommend::{MODEL_NAMES, ModelSpec};

    fn has_cjk(s: &str) -> bool {
        s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
    }

    fn all_tables() -> [(&'static str, &'static [Row]); 9] {
        [
            ("metrics", METRICS),
            ("columns", COLUMNS),
            ("models", MODELS),
            ("learned models", LEARNED_MODELS),
            ("learned params", LEARNED_PARAMS),
            ("concepts", CONCEPTS),
            ("data", DATA),
            ("params", PARAMS),
            ("event kinds", EVENT_KINDS),
        ]
    }

    /// Every Compare column: the defaults, every metric at several K, and
    /// one of each other variant (the match below stops compiling when a
    /// variant is added, so a new column cannot go without words).
    fn every_column() -> Vec<Column> {
        let others = [
            Column::Auc,
            Column::Coverage,
            Column::Diversity,
            Column::Novelty,
            Column::PopularityBias,
            Column::TrainSeconds,
            Column::EvalSeconds,
            Column::LatencyP50,
            Column::LatencyP95,
            Column::LatencyP99,
            Column::Users,
            Column::ColdUsers,
            Column::RepeatShare,
        ];
        let listed = |c: &Column| match c {
            Column::Metric(_) => false,
            Column::Auc
            | Column::Coverage
            | Column::Diversity
            | Column::Novelty
            | Column::PopularityBias
            | Column::TrainSeconds
            | Column::EvalSeconds
            | Column::LatencyP50
            | Column::LatencyP95
            | Column::LatencyP99
            | Column::Users
            | Column::ColdUsers
            | Column::RepeatShare => true,
        };
        assert!(others.iter().all(listed));
        let mut cols = Column::defaults();
        for m in Metric::ALL {
            for k in [1, 5, 10, 20, 50, 100] {
                cols.push(Column::Metric(shoplab_engine::metrics::MetricAt {
                    metric: m,
                    k,
                }));
            }
        }
        cols.extend(others);
        // Every label parses back to its column, as the CLI reads it.
        for c in &cols {
            assert_eq!(Column::from_str(&c.label()).ok(), Some(*c));
        }
        cols
    }

    #[test]
    fn every_compare_column_has_a_plain_name_in_both_languages() {
        for c in every_column() {
            let label = c.label();
            let en = header(Lang::En, &label);
            let zh = header(Lang::Zh, &label);
            assert_ne!(en, label, "no plain name for {label}");
            assert!(en.ends_with(&format!(" ({label})")), "{en}");
            assert!(zh.ends_with(&format!(" ({label})")), "{zh}");
            assert!(has_cjk(&zh), "no Chinese for {label}: {zh}");
            let m = meaning(Lang::Zh, &label).unwrap_or_default();
            assert!(has_cjk(m), "no Chinese meaning for {label}");
            assert!(meaning(Lang::En, &label).is_some_and(|m| m.len() > 20));
        }
    }

    #[test]
    fn header_puts_the_cut_off_into_the_plain_name() {
        assert_eq!(header(Lang::En, "recall@10"), "found in top 10 (recall@10)");
        assert_eq!(header(Lang::Zh, "recall@10"), "前 10 个中找到 (recall@10)");
        assert_eq!(
            header(Lang::En, "p95_us"),
            "answer time, 95% of requests (p95_us)"
        );
        for m in Metric::ALL {
            assert!(plain(Lang::En, m.as_str()).is_some(), "{m}");
            for k in [1, 3, 10, 20, 100, 1000] {
                let label = format!("{m}@{k}");
                for lang in Lang::ALL {
                    let h = header(lang, &label);
                    let name = h.strip_suffix(&format!(" ({label})")).unwrap_or("");
                    assert!(name.contains(&k.to_string()), "{h}");
                    assert!(!name.contains('K'), "{h}");
                    assert_eq!(name, self::name(lang, &label).unwrap_or_default());
                }
            }
        }
        // Aliases the Compare table accepts read the same; unknown labels pass through.
        assert_eq!(
            header(Lang::En, "hit_rate@5"),
            "any right item in top 5 (hit_rate@5)"
        );
        assert_eq!(header(Lang::En, "ARP"), "how popular the picks are (ARP)");
        assert_eq!(header(Lang::En, "bogus@10"), "bogus@10");
        assert_eq!(header(Lang::Zh, "no such column"), "no such column");
    }

    #[test]
    fn metric_names_carry_exactly_one_k_and_other_names_none() {
        for r in METRICS {
            for n in r.name {
                assert_eq!(n.matches('K').count(), 1, "{n}");
            }
        }
        for (what, table) in all_tables() {
            if matches!(what, "metrics" | "params" | "learned params") {
                continue;
            }
            for r in table {
                assert!(!r.name[0].contains('K'), "{what}: {}", r.name[0]);
            }
        }
    }

    #[test]
    fn every_model_and_ranker_has_a_name_in_both_languages() {
        let learned: Vec<&str> = ModelSpec::learned_defaults()
            .iter()
            .map(ModelSpec::name)
            .collect();
        assert!(learned.contains(&"bpr"), "{learned:?}");
        // The learned models of issue 10, worded before they all land.
        let planned = ["bpr", "neumf", "ials", "gru4rec", "sasrec", "two_tower"];
        let all = MODEL_NAMES.iter().copied().chain(learned.iter().copied());
        for m in all
            .chain(planned)
            .chain(["bm25", "dense", "hybrid", "learned"])
        {
            let en = model(Lang::En, m);
            let zh = model(Lang::Zh, m);
            assert_eq!(en, format!("{} ({m})", plain(Lang::En, m).unwrap().name));
            assert!(has_cjk(&zh) && zh.ends_with(&format!(" ({m})")), "{zh}");
        }
        assert_eq!(model(Lang::Zh, "item_knn"), "相似物品 (item_knn)");
        assert_eq!(model(Lang::En, "popularity"), "most popular (popularity)");
        assert_eq!(model(Lang::Zh, "unknown_model"), "unknown_model");
        for m in planned {
            assert!(is_learned_model(m), "{m}");
        }
        assert!(!is_learned_model("ease"));
    }

    /// Every parameter of every learned model has its own words (a model
    /// landing later fails here until its parameters are worded in
    /// `LEARNED_PARAMS`), and the table names no parameter no model has.
    #[test]
    fn every_learned_parameter_has_a_name_and_meaning_in_both_languages() {
        let mut keys: Vec<String> = Vec::new();
        for m in ModelSpec::learned_defaults() {
            let v = serde_json::to_value(&m).unwrap();
            for k in v.as_object().unwrap().keys().filter(|k| *k != "model") {
                assert!(
                    find(LEARNED_PARAMS, k).is_some(),
                    "no words for {} parameter {k} in LEARNED_PARAMS",
                    m.name()
                );
                keys.push(k.clone());
            }
        }
        for k in &keys {
            for lang in Lang::ALL {
                let p = learned_param_plain(lang, k).unwrap();
                assert!(!p.name.is_empty() && p.meaning.len() > 10, "{k}");
            }
            assert!(has_cjk(learned_param_plain(Lang::Zh, k).unwrap().meaning));
        }
        // A learned model's batch is pairs of a step, not shoppers scored.
        assert_ne!(
            learned_param_plain(Lang::En, "batch_size"),
            param_plain(Lang::En, "batch_size")
        );
        for r in LEARNED_PARAMS {
            assert!(keys.iter().any(|k| k == r.key), "stale parameter {}", r.key);
        }
    }

    /// Parameter keys of every model, split and evaluation setting, read
    /// from the serde form of the defaults so a new parameter fails here.
    fn every_param_key() -> Vec<(String, bool)> {
        use shoplab_engine::evaluate::EvalOptions;
        use shoplab_engine::run::RunSpec;
        use shoplab_engine::search::ContentParams;
        use shoplab_engine::split::SplitSpec;
        let mut values: Vec<serde_json::Value> = ModelSpec::all_defaults()
            .into_iter()
            .chain([ModelSpec::Content(ContentParams::default())])
            .map(|m| serde_json::to_value(m).unwrap())
            .collect();
        for method in ["temporal", "leave_last_out", "random"] {
            let s: SplitSpec =
                serde_json::from_str(&format!(r#"{{"method":"{method}"}}"#)).unwrap();
            values.push(serde_json::to_value(s).unwrap());
        }
        values.push(serde_json::to_value(EvalOptions::default()).unwrap());
        values.push(serde_json::to_value(RunSpec::default()).unwrap());
        let search = shoplab_engine::search::SearchEvalConfig::default();
        values.push(serde_json::to_value(&search).unwrap());
        values.push(serde_json::to_value(search.weights).unwrap());
        values.push(serde_json::to_value(search.relevance).unwrap());
        // Keys holding a whole object (`split`, `eval`, `weights`) are
        // groups, not settings a person edits; their fields are listed.
        let mut keys: Vec<(String, bool)> = values
            .iter()
            .filter_map(|v| v.as_object())
            .flat_map(|o| o.iter().map(|(k, v)| (k.clone(), v.is_object())))
            .collect();
        keys.sort();
        keys.dedup();
        keys
    }

    #[test]
    fn every_parameter_has_a_name_and_meaning_in_both_languages() {
        let all = every_param_key();
        let keys: Vec<&String> = all
            .iter()
            .filter(|(_, group)| !*group)
            .map(|(k, _)| k)
            .collect();
        assert!(keys.len() > 25, "{keys:?}");
        for k in &keys {
            let p = param_plain(Lang::Zh, k).unwrap_or_else(|| panic!("no words for {k}"));
            assert!(has_cjk(p.name) && has_cjk(p.meaning), "{k}");
            assert!(param_plain(Lang::En, k).is_some());
            let zh = param(Lang::Zh, k);
            assert!(zh.ends_with(&format!(" ({k})")), "{zh}");
        }
        assert_eq!(param(Lang::Zh, "neighbours"), "保留的近邻数 (neighbours)");
        assert_eq!(param(Lang::En, "reg"), "regularisation strength (reg)");
        // The table names no parameter the engine does not have.
        for r in PARAMS {
            assert!(
                all.iter().any(|(k, _)| k == r.key),
                "stale parameter {}",
                r.key
            );
        }
    }

    #[test]
    fn every_choice_of_every_parameter_has_chinese() {
        use shoplab_datasets::Weighting;
        use shoplab_engine::evaluate::{ColdShoppers, TieBreak};
        use shoplab_engine::recommend::CoPurchaseScore;
        use shoplab_engine::search::GainMapping;
        let s = |v: serde_json::Value| v.as_str().unwrap_or_default().to_string();
        let mut all: Vec<(&str, String)> = Vec::new();
        for v in [CoPurchaseScore::Confidence, CoPurchaseScore::Lift] {
            all.push(("score", s(serde_json::to_value(v).unwrap())));
        }
        for v in [TieBreak::Popularity, TieBreak::ItemIndex] {
            all.push(("tie_break", v.as_str().into()));
        }
        for v in [
            ColdShoppers::Apart,
            ColdShoppers::Fallback,
            ColdShoppers::Model,
        ] {
            all.push(("cold_shoppers", v.as_str().into()));
        }
        for v in [
            Weighting::Binary,
            Weighting::Count,
            Weighting::KindWeighted,
            Weighting::Value,
        ] {
            all.push(("weighting", s(serde_json::to_value(v).unwrap())));
        }
        for v in [GainMapping::Floor, GainMapping::Grade, GainMapping::Binary] {
            all.push(("gain", v.as_str().into()));
        }
        for m in ["temporal", "leave_last_out", "random"] {
            all.push(("method", m.into()));
        }
        assert_eq!(all.len(), CHOICES.len(), "a choice without an engine value");
        for (p, v) in &all {
            let zh = choice(Lang::Zh, p, v);
            assert!(
                has_cjk(&zh) && zh.ends_with(&format!(" ({v})")),
                "{p}={v}: {zh}"
            );
            assert_ne!(choice(Lang::En, p, v), "", "{p}={v}");
        }
        assert_eq!(
            choice(Lang::En, "tie_break", "item_index"),
            "catalog order (item_index)"
        );
        assert_eq!(choice(Lang::En, "method", "random"), "random");
    }

    #[test]
    fn every_event_kind_has_chinese_and_english_keeps_plain_words() {
        for k in EventKind::ALL {
            let key = k.as_str();
            let zh = event_kind(Lang::Zh, key);
            assert!(has_cjk(&zh) && zh.ends_with(&format!(" ({key})")), "{zh}");
            assert!(event_kind_plain(Lang::En, key).is_some());
        }
        assert_eq!(event_kind(Lang::En, "view"), "view");
        assert_eq!(event_kind(Lang::En, "cart"), "add to cart (cart)");
        assert_eq!(event_kind(Lang::Zh, "purchase"), "购买 (purchase)");
        assert_eq!(EVENT_KINDS.len(), EventKind::ALL.len());
    }

    #[test]
    fn every_term_opens_a_learn_entry_that_agrees_with_the_glossary() {
        for (key, learn) in keys() {
            let e = crate::glossary::entry(learn)
                .unwrap_or_else(|| panic!("{key} opens {learn}, which Learn lacks"));
            assert_eq!(e.key, learn);
            assert_eq!(learn_key(&key), Some(learn), "{key}");
        }
        for (what, table) in all_tables() {
            for r in table {
                // Only a run's name, the model choice, the device, the
                // query half of a search evaluation and the learned models
                // (no Learn entries yet) have no entry.
                if what == "params" && matches!(r.key, "name" | "model" | "device" | "queries") {
                    assert_eq!(param_learn_key(r.key), None);
                    continue;
                }
                if what.starts_with("learned") && r.learn.is_empty() {
                    assert_eq!(learn_key(r.key), None, "{}", r.key);
                    continue;
                }
                let e = crate::glossary::entry(r.learn).map(|e| e.key);
                assert_eq!(e, Some(r.learn), "{what}: {}", r.key);
            }
        }
        // Where the glossary reads a column label or key itself (a view's
        // "?" beside it), it opens the same entry as the words.
        let labels = every_column().into_iter().map(|c| c.label());
        for key in labels.chain(keys().map(|(k, _)| k)) {
            assert_eq!(
                crate::glossary::entry(&key).map(|e| e.key),
                learn_key(&key),
                "{key}"
            );
        }
        // Every Learn entry has a plain name for its title line.
        for e in crate::glossary::ENTRIES {
            for lang in Lang::ALL {
                assert!(plain(lang, e.key).is_some(), "no plain name for {}", e.key);
            }
        }
    }

    #[test]
    fn data_figures_are_apart_from_the_compare_columns_of_the_same_name() {
        // A name that is its own identifier is not repeated.
        assert_eq!(header(Lang::En, "data.events"), "events");
        assert_eq!(header(Lang::Zh, "data.events"), "事件数 (events)");
        let compare = meaning(Lang::En, "cold_users").unwrap_or_default();
        let data = meaning(Lang::En, "data.cold_users").unwrap_or_default();
        assert!(compare.contains("no training events"), "{compare}");
        assert!(data.contains("fewer than 5"), "{data}");
        assert_eq!(
            header(Lang::En, "data.sparsity"),
            "how empty the data is (sparsity)"
        );
        assert_eq!(
            plain(Lang::En, "sparsity"),
            plain(Lang::En, "data.sparsity")
        );
        // The threshold the words name is the engine's.
        assert_eq!(shoplab_engine::store::COLD_THRESHOLD, 5);
        // Every figure the store reports is known.
        let stats = serde_json::to_value(shoplab_engine::store::StoreStats::default()).unwrap();
        let skip = [
            "events_by_kind",
            "first_ts",
            "last_ts",
            "events_per_day",
            "unfinished_imports",
            // Imports whose times were made up: a note under the chart, not a figure.
            "derived_times",
        ];
        for k in stats.as_object().unwrap().keys() {
            if !skip.contains(&k.as_str()) {
                assert!(plain(Lang::Zh, &format!("data.{k}")).is_some(), "{k}");
            }
        }
    }

    #[test]
    fn splits_read_in_both_languages() {
        use shoplab_engine::split::SplitSpec;
        for name in ["temporal", "leave_last_out", "random"] {
            let spec: SplitSpec = name.parse().unwrap_or_default();
            assert_eq!(split(Lang::En, &spec), spec.to_string());
            let zh = split(Lang::Zh, &spec);
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{zh}"
            );
        }
        let spec: SplitSpec = "temporal".parse().unwrap_or_default();
        assert_eq!(split(Lang::Zh, &spec), "按时间切分，测试 20%");
    }

    #[test]
    fn tables_have_no_duplicates_and_chinese_everywhere() {
        let mut seen = std::collections::HashSet::new();
        for (what, table) in all_tables() {
            let mut names = [
                std::collections::HashSet::new(),
                std::collections::HashSet::new(),
            ];
            for r in table {
                if !matches!(what, "data" | "params" | "learned params" | "event kinds") {
                    assert!(seen.insert(r.key), "key {} twice", r.key);
                }
                for (l, set) in names.iter_mut().enumerate() {
                    assert!(set.insert(r.name[l]), "{what}: name {} twice", r.name[l]);
                }
                assert!(has_cjk(r.name[1]) && has_cjk(r.meaning[1]), "{}", r.key);
                assert!(!has_cjk(r.name[0]) && !has_cjk(r.meaning[0]), "{}", r.key);
                assert!(!r.meaning[0].is_empty());
            }
            let mut keys: Vec<&str> = table.iter().map(|r| r.key).collect();
            keys.sort_unstable();
            keys.dedup();
            assert_eq!(keys.len(), table.len(), "{what}: a key twice");
        }
        let mut pairs: Vec<(&str, &str)> = CHOICES.iter().map(|(p, v, _)| (*p, *v)).collect();
        pairs.sort_unstable();
        pairs.dedup();
        assert_eq!(pairs.len(), CHOICES.len());
    }

    #[test]
    fn term_draws_the_plain_and_precise_names_and_a_learn_button() {
        use egui_kittest::Harness;
        use egui_kittest::kittest::Queryable;
        // Glyphs are not what is tested: no CJK font is needed.
        let mut h = Harness::builder().allow_missing_glyphs().build_ui_state(
            |ui, out: &mut Vec<Command>| {
                term(ui, Lang::Zh, "recall@10", out);
                term(ui, Lang::En, "data.cold_items", out);
            },
            Vec::new(),
        );
        h.run();
        h.get_by_label("前 10 个中找到");
        h.get_by_label("recall@10");
        h.get_by_label("products with few events");
        h.get_by_label("cold_items");
        h.get_all_by_label("?").next().unwrap().click();
        h.run();
        assert!(
            matches!(h.state().as_slice(), [Command::Explain("recall")]),
            "{:?}",
            h.state()
        );
        h.state_mut().clear();
        h.get_all_by_label("?").nth(1).unwrap().click();
        h.run();
        assert!(
            matches!(h.state().as_slice(), [Command::Explain("cold_start")]),
            "{:?}",
            h.state()
        );
    }
}
