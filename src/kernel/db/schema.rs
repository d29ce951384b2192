//! Diesel's view of the tables. Kept by hand in step with `migrations/`; the
//! `schema_matches` integration test checks that both backends agree with each other.

diesel::table! {
    committees (id) {
        id -> BigInt,
        code -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offices (id) {
        id -> BigInt,
        committee_id -> BigInt,
        name -> Text,
        kind -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        committee_id -> BigInt,
        office_id -> Nullable<BigInt>,
        username -> Text,
        display_name -> Text,
        role -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        disabled -> Bool,
        last_login_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        data -> Text,
        expiry_date -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        committee_id -> Nullable<BigInt>,
        actor_id -> Nullable<BigInt>,
        actor_name -> Text,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<Text>,
        before -> Nullable<Text>,
        after -> Nullable<Text>,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        kind -> Text,
        payload -> Text,
        status -> Text,
        attempts -> Integer,
        max_attempts -> Integer,
        run_at -> Timestamp,
        dedupe_key -> Nullable<Text>,
        locked_by -> Nullable<Text>,
        locked_at -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(offices -> committees (committee_id));
diesel::joinable!(users -> committees (committee_id));
diesel::joinable!(users -> offices (office_id));

diesel::allow_tables_to_appear_in_same_query!(committees, offices, users, sessions, audit_log, jobs);
