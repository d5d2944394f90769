def test_login_page_renders(client):
    response = client.get("/login")
    assert response.status_code == 200
    assert b"Log in" in response.data


def test_logged_in_dashboard(login, users):
    response = login(users["alumnus"]).get("/dashboard")
    assert response.status_code == 200
    assert users["alumnus"].display_name.encode() in response.data
