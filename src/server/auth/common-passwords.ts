/**
 * Passwords of 10 or more characters that appear at the top of public leak statistics, Chinese
 * ones included (shorter ones fail the length rule anyway). Checked in lower case.
 */
export const commonPasswords: ReadonlySet<string> = new Set([
  '1234567890', '0123456789', '9876543210', '0987654321', '1111111111', '0000000000', '1234512345',
  '12345678910', '123456789a', 'a123456789', 'a1234567890', '1234567890a', '123456789q', 'q123456789',
  '1234567890q', 'qwertyuiop', 'qwerty1234', 'qwerty12345', 'qwerty123456', 'qwertyuiop123', '1qaz2wsx3edc',
  '1q2w3e4r5t', '1q2w3e4r5t6y', 'q1w2e3r4t5', 'zaq12wsxcde3', 'zxcvbnm123', 'zxcvbnm1234', 'asdfghjkl1',
  'asdfghjkl123', 'asdf123456', 'qazwsxedc123', 'qazwsxedcrfv', '1qazxsw23edc', 'password12', 'password123',
  'password1234', 'password12345', 'passw0rd123', 'p@ssw0rd123', 'p@ssword123', 'password!', 'password01',
  'iloveyou12', 'iloveyou123', 'iloveyou1314', 'iloveyou520', 'woaini1314', 'woaini520520', 'woaini123456',
  'woaini5201314', '5201314520', '52013145201314', '1314520520', '5201314abc', 'abc5201314', 'aa5201314',
  'wangyang123', 'zhangwei123', 'liuyang123', 'wanglei1234', 'abc1234567', 'abcd123456', 'abcd1234567',
  'abc123456789', 'abcdef123456', 'aa123456789', 'a12345678910', 'abc12345678', '123456abcd', '123456qwerty',
  '123qweasdzxc', 'qweasdzxc123', 'qweasdzxc1', '1234qwerasdf', 'qwer1234asdf', 'admin12345', 'admin123456',
  'administrator', 'admin@1234', 'welcome123', 'welcome1234', 'letmein123', 'sunshine123', 'football123',
  'baseball123', 'princess123', 'superman123', 'michael123', 'charlie123', 'computer123', 'internet123',
  'changeme123', 'trustno1234', 'monkey12345', 'dragon12345', 'master12345', 'shadow12345', 'starwars123',
  'whatever123', 'qwertyqwerty', 'abcdefghij', 'abcdefghijk', 'abcdefghijkl', '11223344556', '1122334455',
  '112233445566', '123123123123', '1231231231', '147258369', '1472583690', '1478963250', '3692581470',
  '7894561230', '9638527410', '159357159357', '147852369a', '123654789a', '1234554321', '1234567899',
  '12345678900', '13579246800', '1357924680', '2468013579', 'beijing123', 'beijing2008', 'beijing2022',
  'china123456', 'zhongguo123', 'zhongguo1949', 'shanghai123', 'huawei12345', 'xiaomi12345', 'tencent123',
  'qq123456789', 'qq1234567890', 'wechat12345', 'baidu123456', 'taobao12345', 'aini1314520', 'nihao123456',
  'kaimen12345', 'kaimen123456', 'kaimenlifa', 'renda123456',
]);
