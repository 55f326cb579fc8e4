//! The words the synthetic shop is made of: departments, leaf categories, product
//! nouns, colours, materials and sizes, each in English and Chinese.

/// One word or phrase in both languages of the shop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word {
    /// English, lowercase as it appears inside a sentence or query.
    pub en: &'static str,
    /// Simplified Chinese.
    pub zh: &'static str,
}

const fn w(en: &'static str, zh: &'static str) -> Word {
    Word { en, zh }
}

/// How the items of a category are sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeKind {
    /// Letter sizes of clothes.
    Apparel,
    /// EU shoe sizes.
    Shoe,
    /// Bottle volumes.
    Volume,
    /// Pack weights.
    Weight,
    /// Small, medium, large.
    Dimension,
    /// Not sized: the item has no size attribute.
    None,
}

impl SizeKind {
    /// The sizes of this kind (language-neutral or English).
    pub fn sizes(self) -> &'static [&'static str] {
        match self {
            SizeKind::Apparel => &["XS", "S", "M", "L", "XL"],
            SizeKind::Shoe => &["36", "37", "38", "39", "40", "41", "42", "43", "44", "45"],
            SizeKind::Volume => &["50ml", "100ml", "200ml", "500ml"],
            SizeKind::Weight => &["250g", "500g", "1kg"],
            SizeKind::Dimension => &["small", "medium", "large"],
            SizeKind::None => &[],
        }
    }
}

/// A leaf of the two-level category tree.
#[derive(Debug, Clone, Copy)]
pub struct Leaf {
    /// Index into [`DEPARTMENTS`].
    pub department: usize,
    /// The leaf's name.
    pub name: Word,
    /// Product nouns sold in this leaf; every item is one of them.
    pub nouns: &'static [Word],
    /// Materials the items are made of; empty when material makes no sense.
    pub materials: &'static [Word],
    /// Whether items come in colours.
    pub coloured: bool,
    /// How items are sized.
    pub size: SizeKind,
    /// Median price in the shop's currency.
    pub median_price: f64,
}

/// Top-level departments.
pub const DEPARTMENTS: [Word; 10] = [
    w("Electronics", "电子产品"),
    w("Computers", "电脑办公"),
    w("Home", "家居"),
    w("Fashion", "服饰"),
    w("Beauty", "美妆个护"),
    w("Sports", "运动户外"),
    w("Toys", "玩具"),
    w("Grocery", "食品饮料"),
    w("Baby", "母婴"),
    w("Pets", "宠物用品"),
];

/// Colours, in English and Chinese.
pub const COLOURS: [Word; 10] = [
    w("red", "红色"),
    w("blue", "蓝色"),
    w("black", "黑色"),
    w("white", "白色"),
    w("green", "绿色"),
    w("grey", "灰色"),
    w("pink", "粉色"),
    w("yellow", "黄色"),
    w("brown", "棕色"),
    w("silver", "银色"),
];

const COTTON: Word = w("cotton", "棉质");
const LEATHER: Word = w("leather", "真皮");
const WOOL: Word = w("wool", "羊毛");
const POLYESTER: Word = w("polyester", "涤纶");
const STEEL: Word = w("stainless steel", "不锈钢");
const PLASTIC: Word = w("plastic", "塑料");
const WOOD: Word = w("wooden", "木质");
const CERAMIC: Word = w("ceramic", "陶瓷");
const GLASS: Word = w("glass", "玻璃");
const ALUMINIUM: Word = w("aluminium", "铝合金");
const SILICONE: Word = w("silicone", "硅胶");
const BAMBOO: Word = w("bamboo", "竹制");
const LINEN: Word = w("linen", "亚麻");
const SILK: Word = w("silk", "真丝");
const NYLON: Word = w("nylon", "尼龙");
const RUBBER: Word = w("rubber", "橡胶");
const CANVAS: Word = w("canvas", "帆布");
const PLUSH: Word = w("plush", "毛绒");

const fn leaf(
    department: usize,
    name: Word,
    nouns: &'static [Word],
    materials: &'static [Word],
    coloured: bool,
    size: SizeKind,
    median_price: f64,
) -> Leaf {
    Leaf {
        department,
        name,
        nouns,
        materials,
        coloured,
        size,
        median_price,
    }
}

/// The leaf categories. They are listed round-robin over the departments (first leaf
/// of every department, then the second, ...) so that a spec asking for fewer
/// categories still spans many departments.
pub const LEAVES: [Leaf; 40] = [
    leaf(
        0,
        w("Headphones", "耳机"),
        &[w("headphones", "头戴式耳机"), w("earbuds", "入耳式耳机")],
        &[PLASTIC, ALUMINIUM, SILICONE],
        true,
        SizeKind::None,
        60.0,
    ),
    leaf(
        1,
        w("Keyboards", "键盘"),
        &[w("keyboard", "键盘"), w("keycap set", "键帽套装")],
        &[PLASTIC, ALUMINIUM],
        true,
        SizeKind::Dimension,
        50.0,
    ),
    leaf(
        2,
        w("Kitchen", "厨房用品"),
        &[w("frying pan", "平底锅"), w("kettle", "水壶")],
        &[STEEL, CERAMIC, GLASS],
        true,
        SizeKind::Dimension,
        35.0,
    ),
    leaf(
        3,
        w("T-Shirts", "T恤"),
        &[w("t-shirt", "T恤"), w("polo shirt", "Polo衫")],
        &[COTTON, LINEN, POLYESTER],
        true,
        SizeKind::Apparel,
        20.0,
    ),
    leaf(
        4,
        w("Skincare", "护肤"),
        &[w("face cream", "面霜"), w("cleanser", "洗面奶")],
        &[],
        false,
        SizeKind::Volume,
        30.0,
    ),
    leaf(
        5,
        w("Yoga", "瑜伽"),
        &[w("yoga mat", "瑜伽垫"), w("yoga pants", "瑜伽裤")],
        &[RUBBER, COTTON, NYLON],
        true,
        SizeKind::Apparel,
        30.0,
    ),
    leaf(
        6,
        w("Building Blocks", "积木"),
        &[w("building set", "积木套装"), w("brick box", "积木桶")],
        &[PLASTIC, WOOD],
        true,
        SizeKind::Dimension,
        40.0,
    ),
    leaf(
        7,
        w("Tea", "茶叶"),
        &[w("green tea", "绿茶"), w("oolong tea", "乌龙茶")],
        &[],
        false,
        SizeKind::Weight,
        25.0,
    ),
    leaf(
        8,
        w("Diapers", "纸尿裤"),
        &[w("diapers", "纸尿裤"), w("baby wipes", "婴儿湿巾")],
        &[],
        false,
        SizeKind::Dimension,
        30.0,
    ),
    leaf(
        9,
        w("Dog Food", "狗粮"),
        &[w("dry dog food", "狗干粮"), w("dog treats", "狗零食")],
        &[],
        false,
        SizeKind::Weight,
        35.0,
    ),
    leaf(
        0,
        w("Speakers", "音箱"),
        &[w("bluetooth speaker", "蓝牙音箱"), w("soundbar", "回音壁")],
        &[PLASTIC, WOOD, ALUMINIUM],
        true,
        SizeKind::None,
        80.0,
    ),
    leaf(
        1,
        w("Mice", "鼠标"),
        &[w("mouse", "鼠标"), w("mouse pad", "鼠标垫")],
        &[PLASTIC, SILICONE],
        true,
        SizeKind::Dimension,
        25.0,
    ),
    leaf(
        2,
        w("Bedding", "床上用品"),
        &[w("duvet cover", "被套"), w("pillow", "枕头")],
        &[COTTON, LINEN, SILK],
        true,
        SizeKind::Dimension,
        45.0,
    ),
    leaf(
        3,
        w("Jackets", "外套"),
        &[w("jacket", "夹克"), w("down coat", "羽绒服")],
        &[POLYESTER, WOOL, LEATHER],
        true,
        SizeKind::Apparel,
        90.0,
    ),
    leaf(
        4,
        w("Makeup", "彩妆"),
        &[w("lipstick", "口红"), w("eyeshadow palette", "眼影盘")],
        &[],
        true,
        SizeKind::None,
        25.0,
    ),
    leaf(
        5,
        w("Cycling", "骑行"),
        &[w("bike helmet", "骑行头盔"), w("bike light", "自行车灯")],
        &[PLASTIC, ALUMINIUM],
        true,
        SizeKind::Dimension,
        40.0,
    ),
    leaf(
        6,
        w("Plush Toys", "毛绒玩具"),
        &[w("teddy bear", "泰迪熊"), w("plush bunny", "毛绒兔子")],
        &[PLUSH, COTTON],
        true,
        SizeKind::Dimension,
        20.0,
    ),
    leaf(
        7,
        w("Coffee", "咖啡"),
        &[w("coffee beans", "咖啡豆"), w("ground coffee", "咖啡粉")],
        &[],
        false,
        SizeKind::Weight,
        18.0,
    ),
    leaf(
        8,
        w("Feeding", "喂养用品"),
        &[w("baby bottle", "奶瓶"), w("sippy cup", "学饮杯")],
        &[GLASS, SILICONE, PLASTIC],
        true,
        SizeKind::Volume,
        15.0,
    ),
    leaf(
        9,
        w("Cat Supplies", "猫用品"),
        &[w("cat litter", "猫砂"), w("scratching post", "猫抓板")],
        &[BAMBOO, WOOD],
        false,
        SizeKind::Dimension,
        25.0,
    ),
    leaf(
        0,
        w("Phone Accessories", "手机配件"),
        &[w("phone case", "手机壳"), w("charger", "充电器")],
        &[SILICONE, LEATHER, PLASTIC],
        true,
        SizeKind::None,
        15.0,
    ),
    leaf(
        1,
        w("Laptop Bags", "电脑包"),
        &[w("laptop bag", "电脑包"), w("laptop sleeve", "电脑内胆包")],
        &[POLYESTER, LEATHER, NYLON],
        true,
        SizeKind::Dimension,
        40.0,
    ),
    leaf(
        2,
        w("Lighting", "灯具"),
        &[w("desk lamp", "台灯"), w("ceiling light", "吸顶灯")],
        &[ALUMINIUM, GLASS, WOOD],
        true,
        SizeKind::None,
        50.0,
    ),
    leaf(
        3,
        w("Dresses", "连衣裙"),
        &[w("dress", "连衣裙"), w("skirt", "半身裙")],
        &[COTTON, SILK, LINEN],
        true,
        SizeKind::Apparel,
        50.0,
    ),
    leaf(
        4,
        w("Hair Care", "美发护发"),
        &[w("shampoo", "洗发水"), w("conditioner", "护发素")],
        &[],
        false,
        SizeKind::Volume,
        15.0,
    ),
    leaf(
        5,
        w("Camping", "露营"),
        &[w("tent", "帐篷"), w("sleeping bag", "睡袋")],
        &[NYLON, POLYESTER, CANVAS],
        true,
        SizeKind::Dimension,
        90.0,
    ),
    leaf(
        6,
        w("Puzzles", "拼图"),
        &[w("jigsaw puzzle", "拼图"), w("puzzle cube", "魔方")],
        &[WOOD, PLASTIC],
        false,
        SizeKind::Dimension,
        15.0,
    ),
    leaf(
        7,
        w("Snacks", "零食"),
        &[w("mixed nuts", "坚果"), w("dried mango", "芒果干")],
        &[],
        false,
        SizeKind::Weight,
        12.0,
    ),
    leaf(
        8,
        w("Strollers", "婴儿推车"),
        &[w("stroller", "婴儿推车"), w("baby carrier", "婴儿背带")],
        &[ALUMINIUM, COTTON],
        true,
        SizeKind::None,
        200.0,
    ),
    leaf(
        9,
        w("Pet Beds", "宠物窝"),
        &[w("dog bed", "狗窝"), w("cat bed", "猫窝")],
        &[COTTON, PLUSH, CANVAS],
        true,
        SizeKind::Dimension,
        35.0,
    ),
    leaf(
        0,
        w("Wearables", "智能穿戴"),
        &[w("smart watch", "智能手表"), w("fitness band", "运动手环")],
        &[SILICONE, ALUMINIUM, STEEL],
        true,
        SizeKind::None,
        120.0,
    ),
    leaf(
        1,
        w("Monitors", "显示器"),
        &[w("monitor", "显示器"), w("monitor stand", "显示器支架")],
        &[PLASTIC, ALUMINIUM],
        true,
        SizeKind::None,
        180.0,
    ),
    leaf(
        2,
        w("Storage", "收纳整理"),
        &[w("storage box", "收纳盒"), w("shelf", "置物架")],
        &[PLASTIC, WOOD, BAMBOO],
        true,
        SizeKind::Dimension,
        20.0,
    ),
    leaf(
        3,
        w("Shoes", "鞋靴"),
        &[w("sneakers", "运动鞋"), w("boots", "靴子")],
        &[LEATHER, CANVAS, RUBBER],
        true,
        SizeKind::Shoe,
        70.0,
    ),
    leaf(
        4,
        w("Fragrance", "香水"),
        &[w("perfume", "香水"), w("body mist", "香体喷雾")],
        &[GLASS],
        false,
        SizeKind::Volume,
        60.0,
    ),
    leaf(
        5,
        w("Fitness", "健身"),
        &[w("dumbbells", "哑铃"), w("resistance band", "弹力带")],
        &[STEEL, RUBBER],
        true,
        SizeKind::None,
        35.0,
    ),
    leaf(
        6,
        w("Model Cars", "模型车"),
        &[w("model car", "模型车"), w("remote control car", "遥控车")],
        &[PLASTIC, ALUMINIUM],
        true,
        SizeKind::None,
        45.0,
    ),
    leaf(
        7,
        w("Rice & Noodles", "米面"),
        &[w("jasmine rice", "香米"), w("egg noodles", "鸡蛋面")],
        &[],
        false,
        SizeKind::Weight,
        10.0,
    ),
    leaf(
        8,
        w("Baby Clothing", "童装"),
        &[
            w("baby bodysuit", "婴儿连体衣"),
            w("baby sleepsuit", "婴儿睡袋"),
        ],
        &[COTTON, WOOL],
        true,
        SizeKind::Apparel,
        20.0,
    ),
    leaf(
        9,
        w("Pet Toys", "宠物玩具"),
        &[w("chew toy", "磨牙玩具"), w("cat teaser", "逗猫棒")],
        &[RUBBER, PLUSH],
        true,
        SizeKind::None,
        10.0,
    ),
];

/// Words that make a product line name part of a title ("Lumeo Pro ...").
pub const LINES: [Word; 6] = [
    w("Classic", "经典款"),
    w("Pro", "专业版"),
    w("Lite", "轻便款"),
    w("Plus", "升级款"),
    w("Eco", "环保款"),
    w("Max", "加大款"),
];

/// Selling points for descriptions.
pub const FEATURES: [Word; 8] = [
    w("Built to last and easy to clean.", "经久耐用，易于清洁"),
    w(
        "A customer favourite for everyday use.",
        "日常使用的人气之选",
    ),
    w("Light, compact and ready to travel.", "轻巧便携，出行无忧"),
    w("Designed with comfort in mind.", "舒适贴心的设计"),
    w("Great value for the price.", "高性价比"),
    w("Makes a thoughtful gift.", "送礼佳品"),
    w("Made from carefully selected materials.", "精选优质材料"),
    w("Backed by a one-year warranty.", "享受一年质保"),
];

/// Syllables brand names are made of (brand names stay Latin in both languages, as
/// they do in real Chinese shops).
pub const BRAND_HEADS: [&str; 16] = [
    "Nor", "Lum", "Vel", "Kai", "Sol", "Ari", "Zen", "Oro", "Tam", "Bel", "Qin", "Mira", "Hava",
    "Luo", "Pix", "Fen",
];

/// Endings of brand names.
pub const BRAND_TAILS: [&str; 12] = [
    "vik", "eo", "ora", "tek", "ia", "lux", "io", "ano", "ex", "ima", "una", "ford",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_well_formed() {
        for (i, leaf) in LEAVES.iter().enumerate() {
            assert_eq!(
                leaf.department,
                i % DEPARTMENTS.len(),
                "{} is out of round-robin order",
                leaf.name.en
            );
            assert!(!leaf.nouns.is_empty() && leaf.median_price > 0.0);
            assert!(
                leaf.nouns
                    .iter()
                    .all(|n| !n.zh.is_empty() && !n.en.contains(','))
            );
        }
    }
}
