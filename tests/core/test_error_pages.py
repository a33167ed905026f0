"""Error pages are translated, keep the layout and reveal nothing."""

from __future__ import annotations

from flask_babel import force_locale, gettext


def translated(app, text: str, locale: str) -> str:
    with app.test_request_context(), force_locale(locale):
        return gettext(text)


def test_404_page_in_russian_by_default(app, client):
    response = client.get("/no/such/page")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert translated(app, "Page not found", "ru") in html and 'lang="ru"' in html


def test_404_follows_the_chosen_language(app, browser):
    browser.post("/language", {"locale": "en"}, form_url="/login")
    html = browser.get("/missing").get_data(as_text=True)
    assert "Page not found" in html and 'lang="en"' in html


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404 and response.is_json
    assert set(response.get_json()) == {"error", "message"}


def test_500_page_hides_the_error(app_config):
    from lms import create_app

    fresh = create_app({**app_config, "PROPAGATE_EXCEPTIONS": False})

    @fresh.get("/boom-for-test")
    def boom():
        raise RuntimeError("secret internals")

    response = fresh.test_client().get("/boom-for-test")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in html
    assert translated(fresh, "Something went wrong", "ru") in html
