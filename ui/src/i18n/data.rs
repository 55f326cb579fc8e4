//! Chinese for the data strings (English -> 简体中文); kept apart so each
//! area's strings sit in one place.

/// English -> 简体中文.
pub(super) const ZH: &[(&str, &str)] = &[
    // Counts of one (creation summary).
    ("shopper", "用户"),
    ("row stored", "行已存储"),
    ("search judgment", "搜索标注"),
    // A folder read as its files; creation with nothing importable.
    ("read as its files:", "按其中的文件读取："),
    ("not recognised, skipped:", "无法识别，已跳过："),
    (
        "Nothing to import: ShopLab recognises none of the chosen files:",
        "没有可导入的内容：ShopLab 无法识别所选的任何文件：",
    ),
    (
        "Add a catalog, events, shoppers or judgments file, or a data-set folder; no project was created.",
        "请添加商品目录、事件、用户或相关性标注文件，或一个数据集文件夹；项目未创建。",
    ),
    // Start view: creating a project from files.
    (
        "A catalog (items), shoppers' events and optional search judgments as CSV, TSV, JSON lines or Parquet, or a whole data-set folder (Instacart, MovieLens, RetailRocket, …); column names are recognised automatically. Files can also be dropped onto the window.",
        "商品目录、顾客事件以及可选的搜索相关性标注，格式可为 CSV、TSV、JSON lines 或 Parquet，也可以是整个数据集文件夹（Instacart、MovieLens、RetailRocket 等）；列名会自动识别。也可以把文件拖到窗口上。",
    ),
    ("Add files or a folder…", "添加文件或文件夹…"),
    ("Checking the chosen files", "正在检查所选文件"),
    (
        "Skip the files ShopLab does not recognise",
        "跳过 ShopLab 无法识别的文件",
    ),
    (
        "They will be tried as they are; if one cannot be read, the project is not created.",
        "这些文件将照原样尝试导入；只要有一个无法读取，项目就不会创建。",
    ),
    (
        "Nothing is written unless every file imports: a failed or cancelled creation leaves no folder behind.",
        "只有全部文件导入成功才会写入：创建失败或取消时不会留下任何文件夹。",
    ),
    ("Remove from the list", "从列表中移除"),
    ("imported as", "导入格式"),
    ("reads the files", "读取文件"),
    ("not read:", "不读取："),
    ("read as part of", "作为其中一部分读取："),
    ("not recognised, skipped", "无法识别，已跳过"),
    ("not recognised, tried anyway", "无法识别，仍将尝试"),
    ("Created project", "已创建项目"),
    ("files imported:", "已导入文件："),
    ("files skipped:", "已跳过文件："),
    // The file picker.
    ("Add the ticked files", "添加勾选的文件"),
    (
        "Add this whole folder (a data set)",
        "添加整个文件夹（数据集）",
    ),
    ("Clear ticks", "清除勾选"),
    ("Choose a file", "选择文件"),
    (
        "Use this whole folder (a data set)",
        "使用整个文件夹（数据集）",
    ),
    ("Home folder", "主文件夹"),
    (
        "Tick several files; double-click adds one at once.",
        "可勾选多个文件；双击可直接添加一个文件。",
    ),
    // Data view.
    ("Currency of prices", "价格货币"),
    ("Set currency", "设置货币"),
    ("prices show as", "价格显示为"),
    (
        "A symbol such as $ or € goes before prices, a code such as EUR after them; leave it empty for plain numbers.",
        "$ 或 € 等符号显示在价格前，EUR 等代码显示在价格后；留空则只显示数字。",
    ),
    ("Saving the project settings", "正在保存项目设置"),
    (
        "This project is empty: no catalog and no events yet. Import a catalog and your shoppers' events (Imports tab) to see its health.",
        "这个项目是空的：还没有商品目录，也没有事件。请在“导入”标签页导入商品目录和顾客事件，以查看数据健康状况。",
    ),
    (
        "No events yet: import your shoppers' events (views, carts, purchases) in the Imports tab to see events by kind and per day, and to train recommenders.",
        "还没有事件：请在“导入”标签页导入顾客事件（浏览、加购、购买），才能查看按类型和按天的事件并训练推荐模型。",
    ),
    (
        "No catalog yet: import a catalog (items with titles) in the Imports tab to search it and see item titles.",
        "还没有商品目录：请在“导入”标签页导入商品目录（带标题的商品），才能搜索并看到商品标题。",
    ),
    (
        "Dates here are made up: Instacart gives no dates, only each order's days since the shopper's prior order. ShopLab puts every shopper's first order on 2017-01-01 and later orders that many days after, so the spike on 2017-01-01 is all shoppers' first orders. The order of each shopper's orders and the days between them are real; dates do not line up across shoppers.",
        "这里的日期是推算的：Instacart 不提供日期，只给出每个订单距该顾客上一订单的天数。ShopLab 把每位顾客的第一笔订单放在 2017-01-01，之后的订单按间隔天数依次排后，所以 2017-01-01 的尖峰就是所有顾客的第一笔订单。每位顾客订单的先后顺序和间隔天数是真实的；不同顾客之间的日期并不对应。",
    ),
];
