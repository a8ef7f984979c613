//! golden KQL suite runner
