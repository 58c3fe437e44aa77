//! Live chat: widget settings, visitors and their conversations, read state.
