<?php
// `php -S` router: answers a login request with what PHP's SAPI made of it ($_POST, $_GET, $_FILES),
// as parse-form.php does. The test names the login field in the X-Login-Field header.
require __DIR__ . '/read-login.php';

header('Content-Type: application/json');
$error = error_get_last()['message'] ?? null;
echo json_encode(login_answer($_POST, $_GET, $_FILES, $_SERVER['HTTP_X_LOGIN_FIELD'] ?? '', $error));
