//! Typed ids, so an office id is never passed where a user id belongs.

use diesel_derive_newtype::DieselNewType;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($name:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, DieselNewType, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    )*};
}

id_type!(
    CommitteeId,
    OfficeId,
    UserId,
    JobId,
    SectorId,
    MemberId,
    LocalityId,
    LiaisonId,
    HomeId,
    HomeItemId,
    FileId,
    DepartmentId,
    CategoryId,
    OpinionId,
    ActivityId,
    ConsultationId,
    ItemId,
    ExpenseId,
    RuleId,
    LetterId,
    NoticeId,
    InspectionId,
    RectificationId,
    BundleId,
    ApiTokenId,
    OnlineId,
    OnlineCommentId,
    ProposalId,
    ProposalSessionId,
);
