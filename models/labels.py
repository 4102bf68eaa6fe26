"""What the window calls the tables and the audit log's actions, in Chinese.

Plain data, no SQLAlchemy: the audit log tab shows these at start without loading the ORM
(``models.entities`` and ``models.audit`` re-export them).
"""
from __future__ import annotations

TABLE_LABELS = {
    "office_profile": "单位信息",
    "setting": "设置",
    "park": "园区",
    "enterprise": "企业",
    "application": "申报",
    "stage_move": "环节变更",
    "batch": "推荐批次",
    "title": "称号",
    "issued_document": "发文",
    "title_change": "更名重组",
    "title_review": "复审",
}

ACTION_LABELS = {"insert": "新增", "update": "修改", "delete": "删除", "restore": "撤销删除"}
