"""The national withdrawal reasons with their materials and rules, and each centre's overrides of them.

Every centre starts from `DEFAULT_CATALOGUE`; `catalogue_for(centre)` applies that centre's overrides. The
choices not fixed by DOMAIN.md, and why:

- Sealed (封存) accounts may withdraw for every reason except rent (07): rent needs months of continuous
  deposits, which a sealed account no longer makes. Frozen (冻结) and closed (销户) accounts never withdraw.
- 03, 05 and 08 take the whole balance and close the account (DOMAIN.md). The regulation treats 04 alike;
  a centre that does so sets `whole_balance=True` for 04 in its overrides.
- An open provident fund loan refuses purchase (01), building (02) and rent (07): that loan already funds
  the home; and it refuses any reason that closes the account, since the loan must be paid off first.
- Only rent asks for continuous deposit months (3); every other reason rests on its own event.
- Frequency: purchase and building once per house (by contract or permit number), 03/04/05/08 once, the
  others once in any 12 months.
- Purchase, building and illness must be claimed within 12 months of the event they rest on.
"""

from collections.abc import Mapping

from services.withdrawals.domain.errors import RuleViolation
from services.withdrawals.domain.reasons import (
    AccountStatus,
    FieldKind,
    Frequency,
    FrequencyKind,
    Material,
    ReasonCatalogue,
    ReasonField,
    ReasonRules,
    RentCap,
    WithdrawalReason,
)

ID_CARD = Material("本人身份证", "原件")
BANK_CARD = Material("本人名下银行卡", "一类借记卡，用于接收提取资金")
MARRIAGE = Material("婚姻状况证明", "已婚提供结婚证，离异提供离婚证或法院判决书，未婚提供单身声明")

PURCHASE = WithdrawalReason(
    code="01",
    name="购买住房",
    description="购买自住住房（新建商品房、存量房、经济适用房、共有产权房等）",
    materials=(
        ID_CARD,
        BANK_CARD,
        MARRIAGE,
        Material(
            "购房合同或不动产权证书",
            "经网签备案的《商品房买卖合同》《存量房买卖合同》，已办证的提供不动产权证书",
        ),
        Material("购房发票或契税完税凭证", "新建商品房提供购房发票，存量房提供契税完税凭证"),
        Material("购房付款凭证", "首付款收据或银行转账凭证；贷款购房的另附贷款合同"),
        Material("配偶身份证", "配偶同时提取时提供"),
    ),
    fields=(
        ReasonField("contract_no", "购房合同编号", FieldKind.TEXT),
        ReasonField("house_price", "房屋总价", FieldKind.MONEY),
        ReasonField("purchase_date", "购房日期", FieldKind.DATE),
    ),
    rules=ReasonRules(
        amount_within_fields=("house_price",),
        frequency=Frequency(FrequencyKind.ONCE_PER_REFERENCE, "contract_no"),
        refused_with_open_fund_loan=True,
        event_date_field="purchase_date",
        event_max_age_months=12,
    ),
)

BUILDING = WithdrawalReason(
    code="02",
    name="建造/翻修/大修",
    description="在户籍所在地建造、翻建或大修自有住房",
    materials=(
        ID_CARD,
        BANK_CARD,
        MARRIAGE,
        Material("土地使用权证明", "国有土地使用证、集体土地使用证或宅基地批准文件"),
        Material("建房或大修批准文件", "建设工程规划许可证、乡村建设规划许可证，大修提供房屋安全鉴定机构的鉴定证明"),
        Material("不动产权证书或房屋所有权证", "翻建、大修时提供"),
        Material("施工合同及工程预算书"),
        Material("建材及施工费用发票"),
    ),
    fields=(
        ReasonField("permit_no", "批准文件编号", FieldKind.TEXT),
        ReasonField("project_cost", "工程造价", FieldKind.MONEY),
        ReasonField("approval_date", "批准日期", FieldKind.DATE),
    ),
    rules=ReasonRules(
        amount_within_fields=("project_cost",),
        frequency=Frequency(FrequencyKind.ONCE_PER_REFERENCE, "permit_no"),
        refused_with_open_fund_loan=True,
        event_date_field="approval_date",
        event_max_age_months=12,
    ),
)

RETIREMENT = WithdrawalReason(
    code="03",
    name="离休/退休",
    description="职工离休、退休，提取全部余额并销户",
    materials=(
        ID_CARD,
        BANK_CARD,
        Material("离休证或退休证", "或人力资源社会保障部门出具的退休审批表"),
    ),
    fields=(ReasonField("retirement_date", "离退休日期", FieldKind.DATE),),
    rules=ReasonRules(
        frequency=Frequency(FrequencyKind.ONCE),
        whole_balance=True,
        event_date_field="retirement_date",
    ),
)

DISABILITY = WithdrawalReason(
    code="04",
    name="完全丧失劳动能力并终止劳动关系",
    description="完全丧失劳动能力，并与单位终止劳动关系",
    materials=(
        ID_CARD,
        BANK_CARD,
        Material("劳动能力鉴定结论书", "劳动能力鉴定委员会出具的完全丧失劳动能力鉴定结论"),
        Material("终止或解除劳动关系证明", "单位出具的终止（解除）劳动合同证明或劳动仲裁文书"),
    ),
    fields=(
        ReasonField("assessment_no", "劳动能力鉴定结论书编号", FieldKind.TEXT),
        ReasonField("termination_date", "终止劳动关系日期", FieldKind.DATE),
    ),
    rules=ReasonRules(frequency=Frequency(FrequencyKind.ONCE), event_date_field="termination_date"),
)

EMIGRATION = WithdrawalReason(
    code="05",
    name="户口迁出或出境定居",
    description="户口迁出缴存地所在市、县，或出境定居，提取全部余额并销户",
    materials=(
        ID_CARD,
        BANK_CARD,
        Material("户口迁出或注销证明", "公安机关出具的户口迁移证或户口注销证明"),
        Material("出境定居证明", "出境定居的提供，如定居国永久居留证明"),
        Material("终止或解除劳动关系证明", "户口迁出的提供"),
    ),
    fields=(
        ReasonField("departure_kind", "迁出类型", FieldKind.CHOICE, choices=("户口迁出", "出境定居")),
        ReasonField("departure_date", "迁出或注销日期", FieldKind.DATE),
    ),
    rules=ReasonRules(
        frequency=Frequency(FrequencyKind.ONCE),
        whole_balance=True,
        event_date_field="departure_date",
    ),
)

LOAN_REPAYMENT = WithdrawalReason(
    code="06",
    name="偿还购房贷款本息",
    description="偿还购买、建造、翻建、大修自住住房的商业银行贷款本息",
    materials=(
        ID_CARD,
        BANK_CARD,
        MARRIAGE,
        Material("商业银行个人住房贷款合同"),
        Material("贷款银行出具的还款明细", "近12个月的还款流水或贷款余额证明"),
        Material("购房合同或不动产权证书"),
    ),
    fields=(
        ReasonField("loan_contract_no", "贷款合同编号", FieldKind.TEXT),
        ReasonField("loan_bank", "贷款银行", FieldKind.TEXT),
        ReasonField("loan_outstanding", "贷款剩余本息", FieldKind.MONEY),
    ),
    rules=ReasonRules(
        amount_within_fields=("loan_outstanding",),
        frequency=Frequency(FrequencyKind.ONCE_PER_YEAR),
    ),
)

RENT = WithdrawalReason(
    code="07",
    name="租房",
    description="本人及配偶在缴存地无自有住房且租赁住房",
    materials=(
        ID_CARD,
        BANK_CARD,
        MARRIAGE,
        Material("房屋租赁合同或无房声明", "经登记备案的租赁合同；租住公共租赁住房的提供公租房租赁合同"),
        Material("租金支付凭证", "租金发票或银行转账记录"),
        Material("本人及配偶无房证明", "不动产登记机构出具的个人住房信息查询结果"),
    ),
    fields=(
        ReasonField("monthly_rent", "月租金", FieldKind.MONEY),
        ReasonField("lease_start", "租赁开始日期", FieldKind.DATE),
        ReasonField("lease_end", "租赁结束日期", FieldKind.DATE),
        ReasonField("no_home_declared", "无自有住房声明", FieldKind.FLAG),
    ),
    rules=ReasonRules(
        rent_cap=RentCap(),
        frequency=Frequency(FrequencyKind.ONCE_PER_YEAR),
        min_deposit_months=3,
        allowed_statuses=frozenset({AccountStatus.NORMAL}),
        requires_no_home=True,
        refused_with_open_fund_loan=True,
    ),
)

DEATH = WithdrawalReason(
    code="08",
    name="死亡",
    description="职工死亡或被宣告死亡，由继承人或受遗赠人提取全部余额并销户",
    materials=(
        Material("本人身份证", "继承人或受遗赠人本人的身份证原件"),
        Material("本人名下银行卡", "继承人或受遗赠人本人名下的一类借记卡"),
        Material("死亡证明", "医学死亡证明、户口注销证明或人民法院宣告死亡判决书"),
        Material("继承权或受遗赠权证明", "公证机构出具的继承权公证书，或人民法院判决书、调解书"),
        Material("亲属关系证明", "户口簿、结婚证、出生医学证明或村（居）委会出具的关系证明"),
        Material("死亡职工身份证或户口注销页"),
    ),
    fields=(
        ReasonField("heir_name", "继承人姓名", FieldKind.TEXT),
        ReasonField("heir_id_number", "继承人身份证号", FieldKind.ID_NUMBER),
        ReasonField(
            "heir_relationship",
            "与职工关系",
            FieldKind.CHOICE,
            choices=("配偶", "子女", "父母", "其他法定继承人", "受遗赠人"),
        ),
        ReasonField("death_date", "死亡日期", FieldKind.DATE),
    ),
    rules=ReasonRules(
        frequency=Frequency(FrequencyKind.ONCE),
        whole_balance=True,
        event_date_field="death_date",
        card_holder_field="heir_name",
    ),
)

ILLNESS = WithdrawalReason(
    code="09",
    name="大病医疗",
    description="本人、配偶及直系亲属患重大疾病，个人负担医疗费用",
    materials=(
        ID_CARD,
        BANK_CARD,
        Material("诊断证明", "二级及以上医院出具的重大疾病诊断证明及病历"),
        Material("医疗费用发票及医保结算单", "证明个人负担部分"),
        Material("亲属关系证明", "为配偶、子女或父母提取时提供结婚证、户口簿或出生医学证明"),
    ),
    fields=(
        ReasonField(
            "patient_relationship",
            "患者与本人关系",
            FieldKind.CHOICE,
            choices=("本人", "配偶", "子女", "父母"),
        ),
        ReasonField("expenses", "个人负担医疗费用", FieldKind.MONEY),
        ReasonField("diagnosis_date", "诊断日期", FieldKind.DATE),
    ),
    rules=ReasonRules(
        amount_within_fields=("expenses",),
        frequency=Frequency(FrequencyKind.ONCE_PER_YEAR),
        event_date_field="diagnosis_date",
        event_max_age_months=12,
    ),
)

OTHER = WithdrawalReason(
    code="99",
    name="其他",
    description="失业、享受最低生活保障等中心规定的其他情形",
    materials=(
        ID_CARD,
        BANK_CARD,
        Material("提取事由证明材料", "如失业证明、最低生活保障证、离职证明等，按中心规定提供"),
        Material("单位出具的情况说明", "需单位证明的情形提供"),
    ),
    fields=(ReasonField("description", "提取事由说明", FieldKind.TEXT, max_length=200),),
    rules=ReasonRules(frequency=Frequency(FrequencyKind.ONCE_PER_YEAR)),
)


DEFAULT_CATALOGUE = ReasonCatalogue(
    (PURCHASE, BUILDING, RETIREMENT, DISABILITY, EMIGRATION, LOAN_REPAYMENT, RENT, DEATH, ILLNESS, OTHER)
)

CENTRE_CODES = ("nx-region", "yinchuan", "shizuishan", "wuzhong", "guyuan", "zhongwei")

# Every centre follows the regional defaults until it publishes its own figures; an entry looks like
# {"07": {"rent_cap": RentCap(monthly=Decimal("1500"), yearly=Decimal("18000"))}, "99": {"enabled": False}}.
CENTRE_OVERRIDES: dict[str, dict[str, dict[str, object]]] = {code: {} for code in CENTRE_CODES}


def catalogue_for(
    centre: str,
    overrides: Mapping[str, Mapping[str, Mapping[str, object]]] = CENTRE_OVERRIDES,
    base: ReasonCatalogue = DEFAULT_CATALOGUE,
) -> ReasonCatalogue:
    if centre not in overrides:
        raise RuleViolation("UNKNOWN_CENTER", f"不存在的管理中心：{centre}", field="center")
    return base.with_overrides(overrides[centre])
