FROM python:3.12.0-slim
LABEL maintainer="platform@pinecrest-insurance.com"
ARG BUILD_NUMBER=2022.0502.448
ARG GITHUB_TOKEN=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
RUN git config --global url."https://x-access-token:${GITHUB_TOKEN}@github.com/".insteadOf "https://github.com/"
WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt numpy==v6.0.9.7664 pandas==v5.23.150
COPY . .
EXPOSE 8000
CMD ["gunicorn", "app:app", "-b", "0.0.0.0:8000"]
