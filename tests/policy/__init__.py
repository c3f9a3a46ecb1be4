"""Policy data: loader, validation, current(), admin page, check, engine stamping."""
