//! What residents write, and what units answer: opinion bodies of 20–400
//! characters put together from real phrases per category (roads, lights,
//! property management, elderly care, schools, noise, garbage, irrigation…), so
//! that search, near-duplicates and the figures see text like the real box's.
//! Everything is drawn from the caller's seeded generator: same seed, same text.

use rand::Rng;
use rand::seq::IndexedRandom;

/// Shortest and longest body the generator writes (the box accepts up to 2000).
pub const MIN_CHARS: usize = 20;
pub const MAX_CHARS: usize = 400;

/// One subclass of the standard categories (`opinions::model::STANDARD_CATEGORIES`)
/// with what people say about it: complaints, the details they add, what they ask for.
struct Topic {
    code: &'static str,
    /// Relative frequency in a town (communities) and in the countryside (villages).
    town: u32,
    country: u32,
    issues: &'static [&'static str],
    details: &'static [&'static str],
    asks: &'static [&'static str],
}

const TOPICS: &[Topic] = &[
    Topic {
        code: "0101",
        town: 3,
        country: 1,
        issues: &[
            "公租房申请交上去半年了还没有消息",
            "老旧小区改造说了两年一直没有动工",
            "楼顶防水层老化，一下雨顶楼就漏水",
            "廉租房的外墙皮大片脱落",
            "危房改造的补助到现在还没有发下来",
            "回迁安置房迟迟不能交房",
            "小区的房产证一直办不下来",
        ],
        details: &[
            "家里墙面已经发霉，孩子老是咳嗽",
            "去住建部门问过几次，都说在走流程",
            "楼里住的大多是退休职工，自己没能力维修",
            "开发商已经找不到人了",
            "租房的钱每个月都是一笔负担",
        ],
        asks: &[
            "希望有关部门尽快给个明确答复",
            "请把老旧小区改造纳入今年的计划",
            "希望能公开审批进度",
            "请协调相关单位尽快维修",
        ],
    },
    Topic {
        code: "0102",
        town: 9,
        country: 1,
        issues: &[
            "小区物业不管事，楼道堆满杂物",
            "物业费年年涨，服务却越来越差",
            "电梯三天两头出故障，经常困人",
            "小区大门的门禁坏了一个多月没人修",
            "地下车库积水严重，一直没人处理",
            "物业把小区绿地改成了收费停车位",
            "楼道的声控灯都不亮了",
            "二次供水水箱多年没有清洗",
            "物业和业主委员会矛盾很大，很多事情推不动",
            "小区里的消防通道被私家车占满了",
        ],
        details: &[
            "反映多次都说没钱维修",
            "物业的电话经常打不通",
            "老人爬楼梯很吃力",
            "晚上回家黑灯瞎火的，很不安全",
            "公共收益去了哪里从来没有公示过",
            "业主群里大家意见很大",
            "出了事情谁来负责",
        ],
        asks: &[
            "希望街道和住建部门督促物业整改",
            "请公开物业费和公共收益的收支情况",
            "希望尽快维修，保障居民安全",
            "建议重新选聘物业公司",
            "请社区牵头召开业主大会",
        ],
    },
    Topic {
        code: "0103",
        town: 9,
        country: 3,
        issues: &[
            "路灯坏了好几个月，晚上一片漆黑",
            "路边的井盖破损下陷，很容易绊倒人",
            "人行道的地砖松动，一下雨就溅一身泥水",
            "下水道经常堵塞，污水漫到路面上",
            "公交站台没有遮雨棚",
            "小区周边没有公共厕所",
            "暖气管道老化，冬天家里温度不达标",
            "自来水经常停水，也不提前通知",
            "天然气管道一直没有通到我们这片",
            "街边的健身器材坏了没人修",
        ],
        details: &[
            "老人和孩子晚上出门很不方便",
            "前几天还有人骑电动车摔倒了",
            "一到夏天臭味很大，蚊虫特别多",
            "附近几个小区的居民都受影响",
            "已经向社区反映过，社区说不归他们管",
            "冬天屋里只有十几度",
        ],
        asks: &["希望有关部门尽快修复", "请城管部门安排人员现场查看", "建议纳入今年的民生实事", "希望能加强日常巡查"],
    },
    Topic {
        code: "0104",
        town: 7,
        country: 2,
        issues: &[
            "早晚高峰堵车严重，红绿灯时间太短",
            "路口没有红绿灯，车速很快，过马路很危险",
            "小区门口的路坑坑洼洼，好几年没有修过",
            "公交车班次太少，等一趟要半个多小时",
            "道路施工围挡了大半年还没完工",
            "停车位太少，车辆乱停乱放",
            "学校门口接送孩子的车把路堵死了",
            "新修的路没有设置人行横道",
        ],
        details: &[
            "上班经常迟到",
            "孩子上学要穿过这条马路，家长很担心",
            "下雨天积水很深，车都开不过去",
            "晚上大货车很多，声音也大",
            "老人看病去医院很不方便",
        ],
        asks: &[
            "希望交警部门增加疏导或调整红绿灯时长",
            "建议增加公交线路和班次",
            "请尽快修复路面",
            "希望规划建设公共停车场",
        ],
    },
    Topic {
        code: "0201",
        town: 6,
        country: 2,
        issues: &[
            "夜市烧烤噪音和油烟很大，晚上十一点以后还很吵",
            "广场舞音响声音太大，影响居民休息",
            "附近工地夜间施工，机器声吵得睡不着",
            "临街商铺用大喇叭循环播放广告",
            "楼下的汽修店每天敲敲打打",
            "附近的工厂机器日夜不停",
        ],
        details: &[
            "家里有高三学生需要安静学习",
            "老人心脏不好，晚上休息不好",
            "打过12345，来人看一看就走了",
            "已经持续好几个月了",
        ],
        asks: &["希望有关部门依法查处", "建议规定夜间施工和营业时间", "请环保部门上门检测噪声", "希望协调商户降低音量"],
    },
    Topic {
        code: "0202",
        town: 3,
        country: 3,
        issues: &[
            "附近工厂经常在夜里偷排废气，气味刺鼻",
            "冬天有人烧秸秆，烟雾很大",
            "搅拌站扬尘严重，窗台上一层灰",
            "饭店的油烟直接排到居民楼里",
            "拉土车不盖篷布，沿路尘土飞扬",
        ],
        details: &["家里不敢开窗", "孩子经常咳嗽", "晾在外面的衣服都是黑的", "周边几个村的群众都有意见"],
        asks: &["希望环保部门加强监管", "请尽快查处偷排行为", "建议安装油烟净化设施", "希望对渣土车加强管理"],
    },
    Topic {
        code: "0203",
        town: 2,
        country: 3,
        issues: &[
            "河道里漂满垃圾，水发黑发臭",
            "养殖场的污水直接排到沟里",
            "村里的饮用水有时候发黄，有异味",
            "生活污水没有管网，到处乱流",
            "小区二次供水的水质很差",
        ],
        details: &["夏天臭味很大，蚊蝇成群", "下游的庄稼都受到了影响", "大家只能买桶装水喝", "孩子在河边玩很危险"],
        asks: &["希望尽快治理河道", "请对水质进行检测并公布结果", "建议铺设污水管网", "希望依法处理违法排污"],
    },
    Topic {
        code: "0204",
        town: 7,
        country: 6,
        issues: &[
            "垃圾清运不及时，垃圾桶满了好几天没人拉",
            "小区垃圾分类只是摆样子，分了也混着运走",
            "路边建筑垃圾乱倒，堆成了小山",
            "垃圾中转站离居民楼太近，气味很大",
            "村里没有固定的垃圾收集点",
            "垃圾桶破损严重，一直没有更换",
        ],
        details: &["夏天苍蝇蚊子特别多", "野狗把垃圾翻得到处都是", "风一吹塑料袋满天飞", "影响村容村貌"],
        asks: &["希望增加清运次数", "建议增设垃圾桶和收集点", "请城管部门尽快清理", "希望把垃圾中转站迁到远一点的地方"],
    },
    Topic {
        code: "0301",
        town: 8,
        country: 5,
        issues: &[
            "小区老人多，希望社区能提供助餐服务",
            "社区日间照料中心建好了却一直没有开放",
            "高龄津贴申请手续太复杂",
            "村里的留守老人没人照顾",
            "养老院床位紧张，排队要等很久",
            "老旧楼房没有电梯，老人上下楼困难",
            "居家养老上门服务的次数太少",
        ],
        details: &[
            "子女都在外地上班，顾不过来",
            "有的老人一天只吃一顿饭",
            "我父亲今年八十五岁了",
            "老人自己不会用手机办事",
            "公办养老院收费便宜，大家都想进",
        ],
        asks: &[
            "希望民政部门多关心一下",
            "建议在社区开办老年食堂",
            "希望简化办理手续，提供上门服务",
            "建议加装电梯，政府给予补贴",
        ],
    },
    Topic {
        code: "0302",
        town: 4,
        country: 4,
        issues: &[
            "异地就医报销手续太麻烦",
            "慢性病门诊的药在社区卫生站买不到",
            "新农合缴费一年比一年高",
            "医保卡在一些药店刷不了",
            "大病报销比例太低，家里负担很重",
        ],
        details: &["来回跑了好几趟还没办完", "老人每个月都要吃药", "家里有人常年住院", "窗口工作人员说法不一致"],
        asks: &["希望简化报销流程", "建议扩大定点药店范围", "希望提高报销比例", "请医保部门给出明确的办理指南"],
    },
    Topic {
        code: "0303",
        town: 3,
        country: 4,
        issues: &[
            "低保评定不公开，有的家庭条件好也吃上了低保",
            "残疾人补贴到现在还没有发放",
            "困难家庭的临时救助申请没有下文",
            "孤儿和事实无人抚养儿童的补助标准太低",
            "因病致贫的家庭没有被纳入救助",
        ],
        details: &["家里只有一个人有收入", "村里群众议论很多", "申请材料交上去三个多月了", "孩子上学的费用都成问题"],
        asks: &["希望公开评定标准和名单", "请民政部门核实后尽快发放", "建议加大救助力度", "希望上门了解实际困难"],
    },
    Topic {
        code: "0304",
        town: 4,
        country: 3,
        issues: &[
            "希望街道多组织一些面向下岗职工的技能培训",
            "返乡创业贷款门槛太高",
            "农民工工资被拖欠半年多了",
            "招聘会的岗位大多不适合年纪大的人",
            "灵活就业人员的社保补贴不知道怎么申请",
        ],
        details: &[
            "家里老人孩子都等着用钱",
            "年轻人都出去打工了",
            "培训的内容和实际工作对不上",
            "去劳动监察反映过，还没有结果",
        ],
        asks: &["希望人社部门帮助协调", "建议开设电商、家政等实用培训", "希望降低创业贷款门槛", "请尽快帮我们追回工资"],
    },
    Topic {
        code: "0401",
        town: 4,
        country: 2,
        issues: &[
            "公办幼儿园学位太少，报名要抽签",
            "民办幼儿园收费太高",
            "村里的幼儿园老师流动太快",
            "幼儿园午休的床太挤",
        ],
        details: &["一个月的保育费比工资的一半还多", "孩子换了三个老师了", "附近几个小区只有一所公办园"],
        asks: &["希望增加公办幼儿园学位", "建议规范民办园收费", "希望稳定乡村幼儿教师队伍"],
    },
    Topic {
        code: "0402",
        town: 5,
        country: 3,
        issues: &[
            "学区划分不合理，孩子要跨好几条街上学",
            "学校课后服务时间太短，家长接不了孩子",
            "班级人数太多，一个班六十多个学生",
            "村小的老师太少，一个老师教好几门课",
            "校车停运以后孩子上学很不方便",
            "学校食堂饭菜质量差",
        ],
        details: &["家长都是双职工", "孩子每天要走四十分钟", "老师顾不过来", "家长群里意见很大"],
        asks: &["希望教育部门统筹解决", "建议延长课后服务时间", "希望加强乡村教师配备", "请加强对学校食堂的监管"],
    },
    Topic {
        code: "0403",
        town: 4,
        country: 1,
        issues: &[
            "前进小学放学时校门口没有人维持秩序，接孩子的车乱停",
            "学校周边的小卖部卖三无食品",
            "学校门口的斑马线褪色看不清",
            "校园周边有网吧接待未成年人",
        ],
        details: &["孩子拿零花钱买辣条", "已经发生过几次小剐蹭", "上下学时间人车混行"],
        asks: &["希望上下学时段安排交警或志愿者疏导", "请市场监管部门加强检查", "建议重新施划斑马线、设置减速带"],
    },
    Topic {
        code: "0501",
        town: 5,
        country: 4,
        issues: &[
            "社区卫生服务站医生太少，看病要排很久",
            "村卫生室经常没人值班",
            "医院挂号太难，网上总是约不上",
            "乡镇卫生院缺少检查设备，只能往城里跑",
            "医院停车太难，周边道路堵得厉害",
        ],
        details: &["老人腿脚不便，来回折腾", "小病也得跑到县医院", "晚上孩子发烧找不到地方看", "排一次队要一上午"],
        asks: &[
            "希望增加医生和服务时间",
            "建议加强基层医疗机构建设",
            "希望保留一部分现场挂号号源",
            "请卫健部门协调解决",
        ],
    },
    Topic {
        code: "0502",
        town: 3,
        country: 3,
        issues: &[
            "小区里流浪狗太多，有人被咬伤",
            "疫苗接种点太远，预约也很难",
            "老人免费体检通知不到位",
            "公共场所有人随地吐痰、吸烟",
            "蚊虫太多，希望定期消杀",
        ],
        details: &["孩子放学都不敢一个人走", "很多老人不知道有这项政策", "夏天晚上没法在外面乘凉"],
        asks: &["希望有关部门集中处置", "建议在社区设立接种点", "请加强宣传和通知", "希望定期开展消杀"],
    },
    Topic {
        code: "0503",
        town: 3,
        country: 2,
        issues: &[
            "菜市场有的摊位卖病死猪肉",
            "路边早餐摊卫生条件很差",
            "小区附近的药店卖过期药品",
            "网上订的外卖吃出了异物",
        ],
        details: &["价格比别处便宜很多，很可疑", "吃完以后全家都拉肚子", "向商家反映，对方不认账"],
        asks: &["希望市场监管部门加强检查", "请依法查处", "建议公布抽检结果"],
    },
    Topic {
        code: "0601",
        town: 0,
        country: 8,
        issues: &[
            "村里灌溉用的机井坏了，今年春灌很困难",
            "水渠年久失修，渗漏严重，水送不到地头",
            "高标准农田建好后没人管护，设施损坏",
            "提灌站的电费太高，群众浇不起地",
            "排水沟被堵，一下大雨庄稼就被淹",
        ],
        details: &["眼看小麦就要减产", "村里的青壮年都外出打工了", "浇一亩地要花好几十块钱", "去年就已经反映过"],
        asks: &["请帮忙协调维修", "希望水利部门安排资金清淤", "建议明确管护责任", "希望落实农业用电优惠政策"],
    },
    Topic {
        code: "0602",
        town: 0,
        country: 7,
        issues: &[
            "村里垃圾清运不及时，垃圾桶满了好几天没人拉",
            "村口的坑塘成了臭水坑",
            "村里的旱厕改造完了用不了",
            "村道两边柴草乱堆乱放",
            "村里的路灯只安了一半",
        ],
        details: &["影响村容村貌", "夏天气味很大", "改厕的时候说好了有人抽粪", "村里开会讲过几次，效果不大"],
        asks: &["希望乡里加强人居环境整治", "建议安排专人保洁", "请落实改厕后续管护", "希望把剩下的路灯也装上"],
    },
    Topic {
        code: "0603",
        town: 0,
        country: 8,
        issues: &[
            "村到乡里的路下雨就泥泞，孩子上学不好走",
            "村里的生产路坑洼不平，农机下不了地",
            "通村公路太窄，会车很困难",
            "村口的小桥栏杆坏了，很危险",
            "拉沙车把村里新修的路压坏了",
        ],
        details: &["收麦的时候车进不去", "晚上骑电动车好几个人摔过", "老人去镇上看病要绕很远", "修路的钱村里凑不出来"],
        asks: &["希望能硬化道路", "建议拓宽路面、增设错车道", "请交通部门尽快维修", "希望限制重型车辆通行"],
    },
    Topic {
        code: "0604",
        town: 0,
        country: 5,
        issues: &[
            "耕地地力保护补贴今年还没有到账",
            "农业保险理赔太慢",
            "良种补贴发放标准不清楚",
            "土地流转费拖欠了两年",
            "农机购置补贴申请没有回音",
        ],
        details: &["村里很多人都不知道补贴标准", "去年遭了冰雹，损失很大", "合作社说资金紧张", "问村干部也说不清楚"],
        asks: &["希望公开补贴发放明细", "请加快理赔进度", "希望有关部门帮助协调", "建议加强政策宣传"],
    },
    Topic {
        code: "0701",
        town: 4,
        country: 3,
        issues: &[
            "小区里电动车电瓶经常被偷",
            "晚上有人在街边聚集喝酒闹事",
            "村里的监控大多坏了",
            "有人冒充工作人员上门推销保健品",
            "电信诈骗专门骗老年人",
        ],
        details: &["报过警，一直没有破案", "老人一辈子的积蓄被骗走了", "晚上女孩子不敢一个人走"],
        asks: &["希望加强夜间巡逻", "建议修复和增设监控", "请公安部门加强防诈骗宣传"],
    },
    Topic {
        code: "0702",
        town: 4,
        country: 2,
        issues: &[
            "楼道里电动车充电，飞线到处都是",
            "小区的消防栓没有水",
            "消防通道被杂物和车辆堵死",
            "老旧小区没有灭火器",
            "沿街门面房楼上住人，存在火灾隐患",
        ],
        details: &["万一着火后果不堪设想", "前段时间隔壁楼就着过一次火", "物业说管不了"],
        asks: &["希望消防部门上门检查", "建议建设集中充电桩", "请督促物业配齐消防设施"],
    },
    Topic {
        code: "0703",
        town: 4,
        country: 3,
        issues: &[
            "路口的红绿灯坏了好几天",
            "国道穿村而过，车速太快",
            "电动车逆行、闯红灯的太多",
            "弯道没有反光镜，经常出事故",
            "路边大货车乱停，挡住视线",
        ],
        details: &["去年这里出过两次车祸", "孩子和老人过马路很危险", "晚上路灯又暗"],
        asks: &["希望设置减速带和警示牌", "建议在弯道安装反光镜", "请交警部门加强管理"],
    },
    Topic {
        code: "0801",
        town: 3,
        country: 3,
        issues: &["集市上有商贩缺斤短两", "小区停车收费标准太高", "取暖费上涨没有听证", "景区门口的停车场乱收费"],
        details: &["买一斤菜少好几两", "收费没有公示，也不给票据", "大家都觉得不合理"],
        asks: &["希望市场监管部门来查一查", "请价格主管部门核实收费标准", "建议公开收费依据"],
    },
    Topic {
        code: "0802",
        town: 3,
        country: 2,
        issues: &[
            "健身房突然关门，预付的会员费退不了",
            "买的家电坏了，商家不给保修",
            "装修公司收了钱不干活",
            "培训机构跑路，学费要不回来",
        ],
        details: &["好几十个会员都受了损失", "打了很多次电话都没人管", "合同上写得清清楚楚"],
        asks: &["希望有关部门帮助维权", "建议加强预付卡监管", "请依法处理"],
    },
    Topic {
        code: "0901",
        town: 3,
        country: 3,
        issues: &[
            "便民服务中心办事排队时间太长",
            "办理证明要来回跑好几趟",
            "网上办事系统经常登录不上",
            "窗口中午不办公，上班族没法办事",
            "不动产登记要等一个多月",
        ],
        details: &["请假来办事，一上午都没轮到", "每次都说材料不全，又不一次说清楚", "老年人不会用手机"],
        asks: &["希望推行一次性告知", "建议延时服务、错时办公", "希望提高网上办事系统的稳定性"],
    },
    Topic {
        code: "0902",
        town: 2,
        country: 2,
        issues: &[
            "个别工作人员态度生硬，推诿扯皮",
            "反映的问题石沉大海，没有回音",
            "村干部优亲厚友",
            "社区工作人员上班时间经常不在岗",
        ],
        details: &["群众意见很大", "打电话也没人接", "希望不要打击报复反映问题的人"],
        asks: &["希望加强作风建设", "请有关部门调查核实", "建议公开办事流程和监督电话"],
    },
    Topic {
        code: "9901",
        town: 2,
        country: 2,
        issues: &["希望在社区建一个图书室", "建议多组织一些文化活动", "村里的文化广场太小", "希望开通到市区的直达公交"],
        details: &["年轻人和孩子周末没有地方去", "老人们都很喜欢唱戏", "很多群众都有这个想法"],
        asks: &["希望政府考虑", "建议列入明年的计划", "希望委员们帮忙呼吁"],
    },
];

/// Sentences any opinion may carry, whatever its subject.
const OPENERS: &[&str] = &["我是这里的居民，", "我们是附近的住户，", "我想反映一个问题：", "各位委员好，", "", "", ""];
const DURATIONS: &[&str] = &[
    "已经两个多月了",
    "这个问题存在好几年了",
    "从去年冬天到现在一直这样",
    "前前后后反映了三四次",
    "最近半个月越来越严重",
    "今年开春以来就这样",
];
const HISTORY: &[&str] = &[
    "打过12345热线，也找过社区，一直没有解决",
    "向村委会反映过，说要上报",
    "找过物业，物业说不归他们管",
    "之前有人来看过，后来就没下文了",
    "群众自己想办法也解决不了",
    "在业主群里说过很多次",
];
/// What people add about their place and themselves, whatever the subject.
const CONTEXT: &[&str] = &[
    "我们小区是九十年代建的老小区，住的大多是退休老人",
    "村里常住的大多是老人和孩子，年轻人都在外面打工",
    "周边有两所学校和一个菜市场，每天人来人往",
    "这一片住着两千多户人家",
    "这个问题关系到大家的切身利益",
    "我们也理解政府有难处，资金紧张",
    "很多邻居都让我来反映一下",
    "希望委员们能到现场看一看",
    "大家都愿意配合，出工出力都行",
    "前几年政府办了不少实事，群众是看在眼里的",
    "这事说大不大，说小也不小，天天影响生活",
    "村干部也很着急，但是解决不了",
    "社区工作人员态度挺好，就是解决不了实际问题",
    "听说别的地方已经解决了类似的问题",
    "希望这次能有个结果，不要再拖了",
    "我们村离镇上有十几里路",
];
const CLOSINGS: &[&str] =
    &["谢谢！", "盼复。", "麻烦了，谢谢。", "希望能得到重视。", "请委员们帮忙反映。", "感谢政协提供这个渠道。"];

/// A subclass code and an opinion body about it; `place` (a village or a
/// community) is mentioned when given; `rural` draws country topics.
pub fn opinion(rng: &mut impl Rng, place: Option<&str>, rural: bool) -> (&'static str, String) {
    let weights: Vec<u32> = TOPICS.iter().map(|t| if rural { t.country } else { t.town }).collect();
    let total: u32 = weights.iter().sum();
    let mut pick = rng.random_range(0..total.max(1));
    let mut topic = &TOPICS[0];
    for (t, w) in TOPICS.iter().zip(&weights) {
        if pick < *w {
            topic = t;
            break;
        }
        pick -= w;
    }
    (topic.code, body(rng, topic, place, rural))
}

/// Most opinions are short; some are long letters. Target length in characters.
fn target_len(rng: &mut impl Rng) -> usize {
    match rng.random_range(0..100) {
        0..=44 => rng.random_range(MIN_CHARS..80),
        45..=79 => rng.random_range(80..160),
        80..=94 => rng.random_range(160..280),
        _ => rng.random_range(280..MAX_CHARS),
    }
}

fn pick<'a>(rng: &mut impl Rng, list: &'a [&'a str]) -> &'a str {
    list.choose(rng).copied().unwrap_or("")
}

/// A phrase that fits the place: no 村 in a town community, no 小区 or 物业 in a
/// village (any phrase if none fits).
fn pick_for<'a>(rng: &mut impl Rng, list: &'a [&'a str], rural: bool) -> &'a str {
    let fits = |p: &&str| {
        if rural { !p.contains("小区") && !p.contains("物业") && !p.contains("业主") } else { !p.contains('村') }
    };
    let fitting: Vec<&str> = list.iter().copied().filter(fits).collect();
    fitting.choose(rng).copied().unwrap_or_else(|| pick(rng, list))
}

fn body(rng: &mut impl Rng, t: &Topic, place: Option<&str>, rural: bool) -> String {
    let target = target_len(rng);
    let mut s = String::from(pick(rng, OPENERS));
    if let Some(p) = place {
        s.push_str(p);
        s.push_str(pick(rng, &["", "这边", "一带", "的", "附近"]));
    }
    let first = pick_for(rng, t.issues, rural);
    s.push_str(first);
    s.push('，');
    s.push_str(pick(rng, DURATIONS));
    s.push('。');
    // Then details, history, another issue and asks until the text is as long as
    // this resident would write; never past MAX_CHARS, no phrase twice.
    let mut used: Vec<&str> = vec![first];
    let mut asked = false;
    for _ in 0..40 {
        let len = s.chars().count();
        if len >= target && asked {
            break;
        }
        let (phrase, prefix, ask) = match rng.random_range(0..12) {
            0..=3 => (pick_for(rng, t.details, rural), "", false),
            4 => (pick_for(rng, HISTORY, rural), "", false),
            5..=7 => (pick_for(rng, CONTEXT, rural), "", false),
            8 => (pick_for(rng, t.issues, rural), "另外，", false),
            _ => (pick_for(rng, t.asks, rural), "", true),
        };
        if used.contains(&phrase) {
            continue;
        }
        if len + prefix.chars().count() + phrase.chars().count() + 1 > MAX_CHARS - 10 {
            break;
        }
        used.push(phrase);
        asked |= ask;
        s.push_str(prefix);
        s.push_str(phrase);
        s.push('。');
    }
    if rng.random_bool(0.4) {
        let closing = pick(rng, CLOSINGS);
        if s.chars().count() + closing.chars().count() <= MAX_CHARS {
            s.push_str(closing);
        }
    }
    let s = fit(s);
    if s.chars().count() < MIN_CHARS { format!("{s}{}。", pick(rng, t.asks)) } else { s }
}

/// Cut to MAX_CHARS at a sentence end (the loop above keeps it under already).
fn fit(s: String) -> String {
    if s.chars().count() <= MAX_CHARS {
        return s;
    }
    let cut: String = s.chars().take(MAX_CHARS).collect();
    match cut.rfind('。') {
        Some(i) => cut[..i + '。'.len_utf8()].to_string(),
        None => cut,
    }
}

/// A duplicate of an earlier opinion by another resident: the same complaint,
/// written again with a word changed here and there (what `similar` finds).
pub fn near_copy(rng: &mut impl Rng, body: &str) -> String {
    let mut s = body.to_string();
    for (from, to) in [("希望", "盼望"), ("很", "非常"), ("。", "！"), ("一直", "始终")] {
        if rng.random_bool(0.3) {
            s = s.replacen(from, to, 1);
        }
    }
    if rng.random_bool(0.5) {
        s = format!("{}{}", pick(rng, &["同样的问题，", "我也反映一下，", "再次反映："]), s);
    }
    fit(s)
}

/// The unit's answer, as staff release it to the resident.
pub fn answer(rng: &mut impl Rng, unit: &str) -> String {
    const FOUND: &[&str] = &[
        "经现场核实，反映情况属实",
        "接到交办后，我单位第一时间安排人员到现场查看",
        "经调查了解，该问题涉及多个部门",
        "经与街道、社区共同核查",
        "我单位高度重视，专门召开会议研究",
    ];
    const DONE: &[&str] = &[
        "已于本周完成维修，并将纳入日常巡查",
        "已责成相关责任单位限期整改，目前已整改到位",
        "已列入本年度民生实事项目，预计年底前完成",
        "已协调资金，近期开工建设",
        "已约谈相关企业负责人，督促其落实整改",
        "已向群众解释相关政策，并安排专人跟踪办理",
        "因涉及规划调整，暂时无法解决，我们将积极向上级争取",
    ];
    const THANKS: &[&str] = &["感谢您对我们工作的监督和支持。", "如有问题，欢迎继续反映。", "欢迎您继续监督。", ""];
    format!("{}。{}{}。{}", pick(rng, FOUND), unit_said(rng, unit), pick(rng, DONE), pick(rng, THANKS))
}

fn unit_said(rng: &mut impl Rng, unit: &str) -> String {
    if unit.is_empty() || rng.random_bool(0.5) { String::new() } else { unit.to_string() }
}

pub fn reject_reason(rng: &mut impl Rng) -> &'static str {
    pick(
        rng,
        &[
            "反映内容不具体，无法核实，请补充具体地点后重新提交。",
            "该事项属于司法程序处理范围，依法不予受理，请通过诉讼途径解决。",
            "不属于社情民意征集范围，已建议通过12345热线反映。",
            "同一事项已答复办结，无新的情况。",
        ],
    )
}

pub fn return_reason(rng: &mut impl Rng) -> &'static str {
    pick(
        rng,
        &[
            "该事项不属于我单位职责范围，请重新交办。",
            "经核实该路段归市里管理，建议转交市级部门。",
            "涉及多个部门，请明确牵头单位。",
        ],
    )
}

pub fn send_back_reason(rng: &mut impl Rng) -> &'static str {
    pick(
        rng,
        &[
            "答复内容过于简单，请补充具体措施和完成时限。",
            "未回应群众提出的主要诉求，请重新办理。",
            "请附整改前后的照片。",
        ],
    )
}

pub fn extension_reason(rng: &mut impl Rng) -> &'static str {
    pick(rng, &["需协调多个部门并申请专项资金。", "需等待天气转暖后施工。", "涉及招标程序，时间较长。"])
}

/// What a resident (or staff on a callback) writes with a rating.
pub fn rating_comment(rng: &mut impl Rng, satisfied: bool) -> &'static str {
    if satisfied {
        pick(rng, &["处理及时，谢谢。", "问题已经解决，满意。", "工作人员很负责。", "基本解决了，希望长期保持。", ""])
    } else {
        pick(rng, &["问题没有实质解决。", "答复敷衍，没人来现场看。", "修了几天又坏了。", "还是老样子。"])
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::opinions::model::STANDARD_CATEGORIES;

    #[test]
    fn the_same_seed_writes_the_same_text() {
        let run = |seed| {
            let mut rng = StdRng::seed_from_u64(seed);
            (0..50).map(|i| opinion(&mut rng, Some("五原路社区"), i % 3 == 0)).collect::<Vec<_>>()
        };
        assert_eq!(run(1), run(1));
        assert_ne!(run(1), run(2));
    }

    #[test]
    fn bodies_are_20_to_400_characters_of_real_phrases() {
        let mut rng = StdRng::seed_from_u64(5);
        let mut lens = vec![];
        for i in 0..5000 {
            let place = (i % 2 == 0).then_some("高庙村");
            let (code, body) = opinion(&mut rng, place, i % 4 == 0);
            let n = body.chars().count();
            assert!((MIN_CHARS..=MAX_CHARS).contains(&n), "{n}: {body}");
            assert!(!body.contains("。。") && !body.contains("，。"), "{body}");
            lens.push(n);
            assert!(
                STANDARD_CATEGORIES.iter().any(|(_, _, subs)| subs.iter().any(|(c, _)| *c == code)),
                "{code} is a standard subclass"
            );
            let copy = near_copy(&mut rng, &body);
            assert!(copy.chars().count() <= MAX_CHARS);
        }
        lens.sort_unstable();
        let (short, long) = (lens[lens.len() / 10], lens[lens.len() * 97 / 100]);
        assert!(short < 80 && long > 250, "a spread of lengths: p10 {short}, p97 {long}");
    }

    #[test]
    fn every_topic_is_a_standard_subclass_and_some_topic_fits_each_place() {
        for t in TOPICS {
            assert!(
                STANDARD_CATEGORIES.iter().any(|(_, _, subs)| subs.iter().any(|(c, _)| *c == t.code)),
                "{}",
                t.code
            );
            assert!(!t.issues.is_empty() && !t.details.is_empty() && !t.asks.is_empty());
        }
        assert!(TOPICS.iter().any(|t| t.town > 0) && TOPICS.iter().any(|t| t.country > 0));
    }
}
