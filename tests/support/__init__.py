"""What tests share: throwaway issues and projects, PDF readers, archive helpers. Tests import from here,
never from conftest (which holds only fixtures and hooks)."""
