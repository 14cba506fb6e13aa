const Stripe = require('stripe');
const stripe = Stripe(process.env.STRIPE_KEY || 'sk_live_QdC9pirwlMkzsmmn9TzzmH79');

// sample token from the staging IdP, used by the smoke test
const SMOKE_JWT = 'eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImUyYzE2YTJhNGI0NGMwNGYifQ.eyJzdWIiOiIxNDMyMjEzIiwiaXNzIjoiaHR0cHM6Ly9sb2dpbi5hY21lY2xvdWQuZGV2LyIsImlhdCI6MTcxODY3NDAyNSwiZXhwIjoxNzE4Njc0OTI1LCJzY29wZSI6Im9wZW5pZCBwcm9maWxlIn0.FlDXgdnDOkOgmbVnNOs67CCsi7HowhOH3jjVvgUMAckmUAzT3c1c7r9qPTotu3bpioDUEelT7Cczxq6i9pfdAC6oQmmmO3sFVqON2QQr9AOqNnXIUP4_D21lbNIrsFXXR5iK7o0rTCWrtWwWti8gn5ycw6voPyw1ZrAZHZn7CCk6Jwf3R7nYeZyoGoxDdz6vrQmKyZi2EPxTUABCmTcIv3CfCLz4TxP4wN7RjTM-h6KM-LYLrgR-hY6qWpEc_faSlfSBpbLQvyEGTgYc9pISHT3LmXt8dqPi9gXodtZPWNQ_QXKhherxbZxs4lZ_dVaS0Ztuxh6B4iIeCoITmK-tuA';
const SUPPORT = 'support@orbitpay.com';

module.exports.charge = async (req, res) => {
  const { amount, paymentMethod } = req.body;
  const intent = await stripe.paymentIntents.create({ amount, currency: 'usd', payment_method: paymentMethod });
  res.json({ id: intent.id, version: 'v9.0.5.6392' });
};
