from tests.browser.screens import Screen

SCREENS = [
    Screen("used-cars-stock", "manager1", "/app/used-cars"),
    Screen("used-cars-stock-salesperson", "sales1", "/app/used-cars"),
    Screen("used-cars-car", "manager1", "/app/used-cars", follow="table.used-stock a"),
    Screen("used-cars-new", "manager1", "/app/used-cars/new"),
    Screen("used-cars-policy", "manager1", "/app/used-cars/policy"),
]
