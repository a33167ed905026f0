def test_login_page_is_russian_by_default(client):
    html = client.get("/login").get_data(as_text=True)
    assert 'name="email"' in html and 'name="password"' in html


def test_agent_signs_in_and_sees_home(login_as):
    b = login_as("agent")
    html = b.get("/").get_data(as_text=True)
    assert "Test Agent" in html
