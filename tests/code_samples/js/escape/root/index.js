const { leak } = require("../outside");

exports.handler = async () => {
  await leak();
};
