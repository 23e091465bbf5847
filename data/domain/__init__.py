"""Domain rules as pure functions: vocabulary, the register, levels, clocks, spells, survival.

No database, no files but the package's own reference tables, no Streamlit: every rule here is
testable with plain values and is the one place its DOMAIN.md section is implemented.
"""
