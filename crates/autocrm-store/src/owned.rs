//! Rules shared by staff tools that are personal or shared with the team
//! (views, macros): customers have none; a personal one is seen and changed
//! by its owner only; shared ones are seen by all staff and changed by admins
//! and API keys (integrations act for the workspace).

use autocrm_domain::auth::PrincipalKind;
use autocrm_domain::{Principal, Role};
use sea_orm::{ColumnTrait, Condition};

use crate::{FieldProblem, StoreError, StoreResult};

/// Refuses customers, whatever route they come by.
pub(crate) fn staff_only(p: &Principal) -> StoreResult<()> {
    if p.sees_all_tickets() { Ok(()) } else { Err(StoreError::Forbidden) }
}

/// Whether `p` may change shared items.
pub(crate) fn manages_shared(p: &Principal) -> bool {
    match &p.kind {
        PrincipalKind::User { role, .. } => *role == Role::Admin,
        PrincipalKind::ApiKey { .. } | PrincipalKind::System => true,
        PrincipalKind::Visitor { .. } => false,
    }
}

/// Rows of the caller's workspace that are shared or theirs.
pub(crate) fn visible(p: &Principal, workspace: impl ColumnTrait, owner: impl ColumnTrait) -> Condition {
    let mut mine = Condition::any().add(owner.is_null());
    if let Some(uid) = p.user_id() {
        mine = mine.add(owner.eq(uid));
    }
    Condition::all().add(workspace.eq(p.workspace_id)).add(mine)
}

/// Checks a row `p` wants to change: shared rows need [`manages_shared`].
pub(crate) fn check_writable(p: &Principal, owner_user_id: Option<i64>) -> StoreResult<()> {
    if owner_user_id.is_none() && !manages_shared(p) { Err(StoreError::Forbidden) } else { Ok(()) }
}

/// Checks a requested sharing choice; `None` means the default for `p`
/// (personal for users, shared for keys), which is returned.
pub(crate) fn sharing(p: &Principal, shared: Option<bool>) -> Result<bool, &'static str> {
    let shared = shared.unwrap_or(p.user_id().is_none());
    if shared && !manages_shared(p) {
        return Err("only admins share with the team");
    }
    if !shared && p.user_id().is_none() {
        return Err("API keys create shared items only");
    }
    Ok(shared)
}

/// Longest name of a view or macro.
pub(crate) const MAX_NAME_CHARS: usize = 80;

/// Trims a present name and checks its length.
pub(crate) fn check_name(name: Option<&mut String>, problems: &mut Vec<FieldProblem>) {
    if let Some(name) = name {
        *name = name.trim().to_owned();
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            problems.push(FieldProblem::new("/name", format!("must be 1–{MAX_NAME_CHARS} characters")));
        }
    }
}
